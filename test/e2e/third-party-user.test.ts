import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
  // As the script's header tells a developer to register it: public, loopback redirect without a port.
  await createClient(server.store, {
    name: 'Desktop notes',
    clientId: 'desktop-notes',
    authMethod: 'none',
    redirectUris: ['http://127.0.0.1/callback'],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'notes:read', 'notes:write'],
  }, Math.floor(Date.now() / 1000))
})
afterAll(async () => {
  await server?.close()
})

/** Plays the user in a browser: follows the URL the script printed through login and consent. */
async function letTheAppIn(url: string): Promise<URL> {
  const browser = new Browser()
  let response = await browser.get(url)
  for (let step = 0; step < 6; step++) {
    expect(response.status).toBe(303)
    const location = new URL(response.headers.get('location') ?? '')
    if (!location.href.startsWith(`${server.url}/interaction/`)) return location
    const form = parseForm(await (await browser.get(location.href)).text())
    const { username, password } = server.users.alice
    response = form.action.endsWith('/login')
      ? await browser.post(form.action, { ...form.fields, username, password })
      : await browser.post(form.action, { ...form.fields, decision: 'allow' })
  }
  throw new Error('authorization did not finish')
}

describe('third-party app on behalf of a user (examples/third-party/on-behalf-of-user.mjs)', () => {
  it('gets the user’s consent through a loopback redirect and calls the API with the token', async () => {
    const child = spawn(process.execPath, ['examples/third-party/on-behalf-of-user.mjs'], {
      env: { ...process.env, ISSUER: server.url, CLIENT_ID: 'desktop-notes' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    try {
      const printed = await new Promise<string>((resolve, reject) => {
        const check = (): void => {
          const match = /^(http:\/\/\S+\/authorize\?\S+)$/m.exec(stdout)
          if (match?.[1]) resolve(match[1])
        }
        child.stdout.on('data', check)
        child.once('exit', () => reject(new Error(`script exited early: ${stdout}${stderr}`)))
      })
      const authorizeUrl = new URL(printed)
      // A port chosen at run time on the loopback interface, as RFC 8252 §7.3 allows for `http://127.0.0.1/callback`.
      expect(authorizeUrl.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)
      expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256')
      const callback = await letTheAppIn(printed)
      expect(callback.searchParams.get('iss')).toBe(server.url)
      const landing = await fetch(callback)
      expect(landing.status).toBe(200)
      expect(await exited).toBe(0)
    } finally {
      clearTimeout(timer)
      child.kill()
    }
    expect(stderr).toBe('')
    expect(stdout).toContain(`signed in as ${server.users.alice.id} with scope "openid profile notes:read"`)
    expect(stdout).toMatch(/GET \S+\/api\/notes → 200\n\{"notes":\[\]\}/)
  })
})
