import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTutorialApp } from '../../examples/tutorial-app/app.js'
import { tutorialConfigFromEnv } from '../../examples/tutorial-app/config.js'
import { Browser } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { APP_SECRET, loginAtTessera, startTutorial, type RunningTutorial } from './tutorial.js'

/** The tutorial app (examples/tutorial-app) over real loopback HTTP against Tessera: its routes and its error pages. */

let server: TestServer
let app: RunningTutorial

beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
  app = await startTutorial(server)
  const now = Math.floor(Date.now() / 1000)
  await server.notes.create({ id: 'n1', owner: server.users.alice.id, title: 'Buy milk', body: 'two litres', created_at: now, updated_at: now })
})

afterAll(async () => {
  await app?.close()
  await server?.close()
})

async function signedIn(): Promise<Browser> {
  const browser = new Browser()
  const callback = await loginAtTessera(browser, app.origin, server.users.alice)
  const response = await browser.get(callback.href)
  expect(response.status).toBe(303)
  expect(response.headers.get('location')).toBe('/profile')
  return browser
}

describe('the tutorial app', () => {
  it('says hello and links to the login before anyone signs in', async () => {
    const response = await new Browser().get(`${app.origin}/`)
    expect(await response.text()).toContain('<a href="/login">Log in with Tessera</a>')
    expect((await new Browser().get(`${app.origin}/profile`)).headers.get('location')).toBe('/login')
  })

  it('logs in at Tessera and greets the user by name on /profile', async () => {
    const browser = await signedIn()
    const profile = await browser.get(`${app.origin}/profile`)
    expect(profile.status).toBe(200)
    expect(await profile.text()).toContain('<h1>Hello, Alice Liddell</h1>')
  })

  it('/userinfo reads the provider’s userinfo, /notes calls the demo API with the user’s token', async () => {
    const browser = await signedIn()
    const userinfo = await (await browser.get(`${app.origin}/userinfo`)).text()
    expect(userinfo).toContain(`&#34;sub&#34;: &#34;${server.users.alice.id}&#34;`)
    expect(userinfo).toContain('alice@example.com')
    const notes = await browser.get(`${app.origin}/notes`)
    expect(notes.status).toBe(200)
    expect(await notes.text()).toContain('<b>Buy milk</b> two litres')
  })

  it('/refresh_token gets a new token set and the API still answers', async () => {
    const browser = await signedIn()
    const refreshed = await browser.get(`${app.origin}/refresh_token`)
    expect(refreshed.status).toBe(200)
    expect(await refreshed.text()).toMatch(/valid until <time>\d{4}-\d\d-\d\dT/)
    expect((await browser.get(`${app.origin}/notes`)).status).toBe(200)
  })

  it('/logout ends the local session and sends the browser to Tessera’s end-session endpoint, which returns it', async () => {
    const browser = await signedIn()
    const response = await browser.post(`${app.origin}/logout`, {})
    expect(response.status).toBe(303)
    const endSession = new URL(response.headers.get('location') ?? '')
    expect(`${endSession.origin}${endSession.pathname}`).toBe(`${server.url}/logout`)
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${app.origin}/`)
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy()
    // id_token_hint names the session, so Tessera signs out without asking and redirects back.
    const next = await browser.get(endSession.href)
    expect(next.status).toBe(303)
    expect(next.headers.get('location')?.startsWith(`${app.origin}/`)).toBe(true)
    expect((await browser.get(`${app.origin}/profile`)).headers.get('location')).toBe('/login')
  })

  it('answers a cancelled sign-in (access_denied) with a friendly page and no session', async () => {
    const browser = new Browser()
    // Bob has not consented to this app yet, so the consent page is shown and he declines.
    const callback = await loginAtTessera(browser, app.origin, server.users.bob, 'deny')
    expect(callback.searchParams.get('error')).toBe('access_denied')
    const response = await browser.get(callback.href)
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('Sign-in cancelled')
    expect((await browser.get(`${app.origin}/profile`)).headers.get('location')).toBe('/login')
  })

  it('answers a replayed callback and a callback from another browser with "expired", creating no session', async () => {
    const browser = new Browser()
    const callback = await loginAtTessera(browser, app.origin, server.users.alice)
    expect((await browser.get(callback.href)).status).toBe(303)
    const replay = await browser.get(callback.href)
    expect(replay.status).toBe(400)
    expect(await replay.text()).toContain('This sign-in has expired')

    const stranger = new Browser()
    const forged = await stranger.get(callback.href)
    expect(forged.status).toBe(400)
    const html = await forged.text()
    expect(html).toContain('This sign-in has expired')
    expect(html).not.toContain(callback.searchParams.get('code') ?? '-')
    expect((await stranger.get(`${app.origin}/profile`)).headers.get('location')).toBe('/login')
  })

  it('answers a provider outage with a 503 page', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const deadIssuer = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
    await new Promise((resolve) => closed.close(resolve))
    const broken = await startTutorial(server, (options) => ({ ...options, provider: { ...options.provider, issuer: deadIssuer } }))
    try {
      const response = await new Browser().get(`${broken.origin}/login`)
      expect(response.status).toBe(503)
      expect(await response.text()).toContain('The sign-in provider is not answering')
    } finally {
      await broken.close()
    }
  })

  it('serves every page from its one origin: another host name is redirected there', async () => {
    const other = app.origin.replace('127.0.0.1', 'localhost')
    const response = await new Browser().get(`${other}/login`)
    expect(response.status).toBe(308)
    expect(response.headers.get('location')).toBe(`${app.origin}/login`)
  })
})

describe('the tutorial app’s configuration', () => {
  it('requires https outside loopback, for the app and for the provider', () => {
    const provider = { name: 'tessera', issuer: 'https://id.example', clientId: 'a', clientSecret: 'b', scope: 'openid' }
    expect(() => createTutorialApp({ appUrl: 'http://app.example', secret: APP_SECRET, provider })).toThrow(/appUrl must be an https URL/)
    expect(() => createTutorialApp({ appUrl: 'https://app.example', secret: APP_SECRET, provider })).not.toThrow()
    expect(() => tutorialConfigFromEnv({ TESSERA_ISSUER: 'http://id.example', TESSERA_CLIENT_SECRET: 's' }, APP_SECRET)).toThrow(/TESSERA_ISSUER must be an https URL/)
  })

  it('defaults to the local Tessera and uses Google’s discovery with OAUTH_PROVIDER=google', () => {
    const local = tutorialConfigFromEnv({ TESSERA_CLIENT_SECRET: 's' }, APP_SECRET)
    expect(local).toMatchObject({ appUrl: 'http://localhost:3000', notesUrl: 'http://localhost:4000/api/notes', provider: { name: 'tessera', issuer: 'http://localhost:4000', clientId: 'demo-app' } })
    const google = tutorialConfigFromEnv({ OAUTH_PROVIDER: 'google', GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 'secret' }, APP_SECRET)
    expect(google).toMatchObject({ provider: { name: 'google', preset: 'google', clientId: 'id', scope: 'openid email profile' } })
    expect(google.notesUrl).toBeUndefined()
    expect(() => tutorialConfigFromEnv({ OAUTH_PROVIDER: 'google' }, APP_SECRET)).toThrow('Set GOOGLE_CLIENT_ID')
  })
})
