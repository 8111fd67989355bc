import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth } from '../../src/client/oauth.js'
import { pushedAuthorizationRequests } from '../../src/server/par/index.js'
import { Browser } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { login, registerAtTessera, startTestApp, type TestApp } from './app.js'

/**
 * The relying party with PAR (RFC 9126) against Tessera: `strict` requires pushed requests server-wide, and
 * the client follows the metadata without being told; `lax` does not, and the registration's
 * `pushedAuthorizationRequests: true` pushes anyway.
 */
const SECRET = 'client-par-secret-0123456789-abcdefghijkl'

let strict: TestServer
let lax: TestServer
let app: TestApp

beforeAll(async () => {
  strict = await startTestServer({ store: 'memory', capabilities: [pushedAuthorizationRequests({ required: true })] })
  lax = await startTestServer({ store: 'memory', capabilities: [pushedAuthorizationRequests()] })
  app = await startTestApp(async (origin) => {
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET })
    const strictSecret = await registerAtTessera(strict, 'rp-par', [`${origin}/cb/strict`])
    oauth.register({ name: 'strict', preset: 'tessera', issuer: strict.url, allowInsecureLoopback: true, clientId: 'rp-par', clientSecret: strictSecret, scope: 'openid profile' })
    const laxSecret = await registerAtTessera(lax, 'rp-par', [`${origin}/cb/lax`])
    oauth.register({ name: 'lax', preset: 'tessera', issuer: lax.url, allowInsecureLoopback: true, clientId: 'rp-par', clientSecret: laxSecret, scope: 'openid profile', pushedAuthorizationRequests: true })
    return oauth
  })
})
afterAll(async () => {
  await app?.close()
  await strict?.close()
  await lax?.close()
})

describe.each(['strict', 'lax'] as const)('tessera/client with PAR at Tessera (%s)', (name) => {
  it('sends only client_id and a request_uri through the browser, and completes the login', async () => {
    const server = name === 'strict' ? strict : lax
    const browser = new Browser()
    const start = await browser.get(`${app.origin}/login/${name}`)
    const location = new URL(start.headers.get('location') ?? '')
    expect(`${location.origin}${location.pathname}`).toBe(`${server.url}/authorize`)
    expect([...location.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri'])
    expect(location.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/)
    const response = await login(browser, app, name)
    expect(response.status).toBe(303)
    const me = await browser.get(`${app.origin}/me`)
    expect(await me.json()).toMatchObject({ provider: name, issuer: server.url, sub: server.users.alice.id })
  })
})
