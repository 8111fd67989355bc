import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newPkce } from '../helpers/pkce.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { authorize, authorizeUrl, startTestServer, type TestServer } from '../helpers/tessera.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ store: 'memory', loginThrottle: { delayAfter: 2, lockAfter: 4, lockSeconds: 60 } })
})
afterAll(async () => {
  await server?.close()
})

async function loginForm(browser: Browser) {
  const { challenge } = newPkce()
  const start = await browser.get(authorizeUrl(server.url, {
    response_type: 'code', client_id: 'conf', redirect_uri: server.clients.conf.redirectUri, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
  }))
  return parseForm(await (await browser.get(start.headers.get('location') ?? '')).text())
}

describe('login throttling (catalogue RL-01)', () => {
  it('RL-01 delays, then refuses with 429 and Retry-After, without telling unknown users apart', async () => {
    const browser = new Browser()
    const form = await loginForm(browser)
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const response = await browser.post(form.action, { ...form.fields, username: 'alice', password: `wrong-${i}` })
      statuses.push(response.status)
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    expect(statuses).toEqual([400, 400, 400, 400, 429])
    // The right password is refused too while the lock lasts…
    const locked = await browser.post(form.action, { ...form.fields, username: 'alice', password: 'alice-password' })
    expect(locked.status).toBe(429)
    // …but other accounts are unaffected.
    const other = await authorize(server, new Browser(), { client: server.clients.conf, user: server.users.bob })
    expect(other.code).toBeTypeOf('string')
    // Unknown and known usernames answer alike.
    const unknown = await browser.post(form.action, { ...form.fields, username: 'nobody', password: 'wrong' })
    const known = await browser.post(form.action, { ...form.fields, username: 'bob', password: 'wrong' })
    expect(unknown.status).toBe(known.status)
    expect((await unknown.text()).replace(/nobody/g, 'bob').replace(/(value|nonce)="[^"]*"/g, '')).toBe((await known.text()).replace(/(value|nonce)="[^"]*"/g, ''))
  })
})
