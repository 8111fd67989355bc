import { exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth } from '../../src/client/oauth.js'
import { createClient } from '../../src/server/admin.js'
import { signedRequestObjects } from '../../src/server/jar/index.js'
import { pushedAuthorizationRequests } from '../../src/server/par/index.js'
import { decodeUnverified } from '../../src/jwt/verify.js'
import { Browser } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'
import { login, startTestApp, type TestApp } from './app.js'

/**
 * The relying party with JAR (RFC 9101) against Tessera, which requires signed request objects from the
 * client: `jar` signs them by value (`requestObject: true`), `jarpar` signs and pushes them, `unsigned` has no
 * key and cannot start a login there.
 */
const SECRET = 'client-jar-secret-0123456789-abcdefghijkl'
const keys = await generateKeyPair('ES256')

let server: TestServer
let app: TestApp

beforeAll(async () => {
  server = await startTestServer({ store: 'memory', capabilities: [pushedAuthorizationRequests(), signedRequestObjects()] })
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'rp-jar', alg: 'ES256' }
  app = await startTestApp(async (origin) => {
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET })
    for (const [name, pushed] of [['jar', false], ['jarpar', true], ['unsigned', false]] as const) {
      const { clientSecret } = await createClient(server.store, {
        name: `RP ${name}`, clientId: `rp-${name}`, authMethod: 'client_secret_basic', redirectUris: [`${origin}/cb/${name}`],
        grantTypes: ['authorization_code'], scopes: ['openid', 'profile'], jwks: { keys: [jwk] }, requireSignedRequestObject: true,
      }, Math.floor(Date.now() / 1000))
      oauth.register({
        name, preset: 'tessera', issuer: server.url, allowInsecureLoopback: true, clientId: `rp-${name}`, clientSecret: clientSecret ?? '', scope: 'openid profile',
        ...(name === 'unsigned' ? {} : { requestObject: true, clientPrivateKey: { key: keys.privateKey, kid: 'rp-jar' } }),
        pushedAuthorizationRequests: pushed,
      })
    }
    return oauth
  })
})
afterAll(async () => {
  await app?.close()
  await server?.close()
})

describe('tessera-oidc/client with signed request objects at Tessera', () => {
  it('jar: the browser carries only client_id and a signed request object, and the login completes', async () => {
    const browser = new Browser()
    const start = await browser.get(`${app.origin}/login/jar`)
    const location = new URL(start.headers.get('location') ?? '')
    expect([...location.searchParams.keys()].sort()).toEqual(['client_id', 'request'])
    const object = decodeUnverified(location.searchParams.get('request') ?? '')
    expect(object?.header).toMatchObject({ alg: 'ES256', typ: 'oauth-authz-req+jwt' })
    expect(object?.payload).toMatchObject({ iss: 'rp-jar', aud: server.url, client_id: 'rp-jar', response_type: 'code', code_challenge_method: 'S256' })
    const response = await login(browser, app, 'jar')
    expect(response.status).toBe(303)
    expect(await (await browser.get(`${app.origin}/me`)).json()).toMatchObject({ provider: 'jar', sub: server.users.alice.id })
  })

  it('jarpar: the signed request object is pushed and the browser carries a request_uri', async () => {
    const browser = new Browser()
    const start = await browser.get(`${app.origin}/login/jarpar`)
    const location = new URL(start.headers.get('location') ?? '')
    expect([...location.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri'])
    const response = await login(browser, app, 'jarpar')
    expect(response.status).toBe(303)
    expect(await (await browser.get(`${app.origin}/me`)).json()).toMatchObject({ provider: 'jarpar', sub: server.users.alice.id })
  })

  it('unsigned: a client without a key sends a plain request, which Tessera refuses for this client', async () => {
    const start = await new Browser().get(`${app.origin}/login/unsigned`)
    const location = new URL(start.headers.get('location') ?? 'about:blank')
    expect(`${location.origin}${location.pathname}`).toBe(`${server.url}/authorize`)
    expect(location.searchParams.has('request')).toBe(false)
    const page = await new Browser().get(location.href)
    expect(page.status).toBe(400)
    expect(page.headers.get('location')).toBeNull()
  })

  it('refuses requestObject without a private key at registration', () => {
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET })
    expect(() => oauth.register({ name: 'nokey', preset: 'tessera', issuer: server.url, allowInsecureLoopback: true, clientId: 'x', clientSecret: 'y', scope: 'openid', requestObject: true }))
      .toThrow(/clientPrivateKey/)
  })
})
