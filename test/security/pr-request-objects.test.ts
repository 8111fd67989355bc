/**
 * Catalogue wave 2 §18 — JWT-secured authorization requests (RFC 9101), the JAR parts of PR-06 and
 * PR-07, over loopback HTTP against the standalone server with the PAR and JAR capabilities: signed
 * request objects by value at `/authorize` and pushed to `/par`, every refusal of §6.3 and the
 * `require_signed_request_object` flag (per client, persisted by migration 0010, and server-wide).
 */
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose'
import { describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { signedRequestObjects } from '../../src/server/jar/index.js'
import { pushedAuthorizationRequests } from '../../src/server/par/index.js'
import { Browser } from '../helpers/http-client.js'
import { clientPost, RP1, type TestClient, type TestServer } from '../helpers/tessera.js'
import {
  authorizationRequest, completeInteraction, expectErrorPage, expectRedirectError, expectTokenError, redeem, sendAuthorization,
  securityServerForFile, sleep, startCaptureServer, unsecuredJwt, withSecurityServer, type Params,
} from './helpers.js'

const capabilities = (required = false) => [pushedAuthorizationRequests(), signedRequestObjects({ required })]
const server = await securityServerForFile({ capabilities: capabilities() })

const clientKeys = await generateKeyPair('ES256')
const strangerKeys = await generateKeyPair('ES256')
const publicJwk = { ...(await exportJWK(clientKeys.publicKey)), kid: 'jar-1', alg: 'ES256', use: 'sig' }

let counter = 0
/** A confidential client registered with the public half of `clientKeys`. */
async function jarClient(target: TestServer, options: { required?: boolean } = {}): Promise<TestClient> {
  const id = `jar-${++counter}-${Date.now().toString(36)}`
  const { clientSecret } = await createClient(target.store, {
    name: `JAR ${id}`, clientId: id, authMethod: 'client_secret_basic', redirectUris: [RP1], grantTypes: ['authorization_code'],
    scopes: ['openid', 'profile', 'email'], jwks: { keys: [publicJwk] }, requireSignedRequestObject: options.required ?? false,
  }, Math.floor(Date.now() / 1000))
  return { id, secret: clientSecret, method: 'client_secret_basic', redirectUri: RP1 }
}

interface SignOptions {
  readonly key?: CryptoKey | Uint8Array
  readonly alg?: string
  /** `null`: no `typ` header. */
  readonly typ?: string | null
}

async function sign(payload: JWTPayload, options: SignOptions = {}): Promise<string> {
  const alg = options.alg ?? 'ES256'
  const header: Record<string, string> = { alg, kid: 'jar-1' }
  if (options.typ !== null) header.typ = options.typ ?? 'oauth-authz-req+jwt'
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(options.key ?? clientKeys.privateKey)
}

/** The claims of a valid request object for `client` carrying `params`, with `overrides` (undefined removes). */
function claims(target: TestServer, client: TestClient, params: Params, overrides: Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000)
  const all: Record<string, unknown> = { ...params, iss: client.id, aud: target.url, client_id: client.id, exp: now + 300, iat: now, jti: randomUUID(), ...overrides }
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined))
}

/** A signed request for `client`: the object and the PKCE verifier of the request inside it. */
async function signedRequest(target: TestServer, client: TestClient, options: { params?: Record<string, string | undefined>; claims?: Record<string, unknown>; sign?: SignOptions } = {}): Promise<{ request: string; verifier: string }> {
  const { params, verifier } = authorizationRequest(client, options.params)
  return { request: await sign(claims(target, client, params, options.claims), options.sign), verifier }
}

function expectInteraction(target: TestServer, response: Response): void {
  expect(response.status).toBe(303)
  expect(response.headers.get('location')?.startsWith(`${target.url}/interaction/`)).toBe(true)
}

async function codeFrom(target: TestServer, browser: Browser, first: Response): Promise<URL> {
  const outcome = await completeInteraction(target, browser, first, { user: target.users.alice })
  expect(outcome.response.status).toBe(303)
  return new URL(outcome.response.headers.get('location') ?? 'about:blank')
}

describe('PR JAR: signed request objects by value', () => {
  it('PR-06 (JAR) discovery announces request objects by value, never by reference', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
    expect(metadata.request_parameter_supported).toBe(true)
    expect(metadata.request_object_signing_alg_values_supported).toEqual(['RS256', 'PS256', 'ES256', 'EdDSA'])
    expect(metadata.request_uri_parameter_supported).not.toBe(true)
    expect(metadata.require_signed_request_object).toBeUndefined()
  })

  it('PR-06 (JAR) a signed request object is the request: parameters outside it are ignored, the flow ends in tokens', async () => {
    const client = await jarClient(server)
    const { request, verifier } = await signedRequest(server, client, { params: { state: 'inner-state' } })
    const browser = new Browser()
    // RFC 9101 §6.3: only client_id outside counts; these would otherwise change the request.
    const outer = { client_id: client.id, request, state: 'outer-state', redirect_uri: 'https://attacker.example/cb', scope: 'openid', code_challenge: 'x'.repeat(43) }
    const location = await codeFrom(server, browser, await sendAuthorization(server, browser, outer))
    expect(`${location.origin}${location.pathname}`).toBe(RP1)
    expect(location.searchParams.get('state')).toBe('inner-state')
    const code = location.searchParams.get('code') ?? ''
    const tokens = await redeem(server, client, { code, verifier, redirectUri: RP1 })
    expect(tokens.status).toBe(200)
    expect(((await tokens.json()) as { scope: string }).scope.split(' ').sort()).toEqual(['email', 'openid', 'profile'])
  })

  it('PR-06 (JAR) typ JWT and an absent typ are tolerated; a POSTed request works too', async () => {
    const client = await jarClient(server)
    for (const typ of ['JWT', null] as const) {
      const { request } = await signedRequest(server, client, { sign: { typ } })
      expectInteraction(server, await sendAuthorization(server, new Browser(), { client_id: client.id, request }))
    }
    const { request } = await signedRequest(server, client)
    expectInteraction(server, await sendAuthorization(server, new Browser(), { client_id: client.id, request }, 'POST'))
  })

  it('PR-06 (JAR) every object that fails verification ends on an error page, never a redirect or a code', async () => {
    const client = await jarClient(server)
    const other = await jarClient(server)
    const now = Math.floor(Date.now() / 1000)
    const { params } = authorizationRequest(client)
    const bad: Array<[string, string]> = [
      ['signed by another key', await sign(claims(server, client, params), { key: strangerKeys.privateKey })],
      ['alg none', unsecuredJwt(claims(server, client, params))],
      ['HS256', await sign(claims(server, client, params), { alg: 'HS256', key: new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!') })],
      ['wrong iss', await sign(claims(server, client, params, { iss: other.id }))],
      ['wrong aud', await sign(claims(server, client, params, { aud: 'https://other-issuer.example' }))],
      ['aud the authorization endpoint', await sign(claims(server, client, params, { aud: `${server.url}/authorize` }))],
      ['client_id claim of another client', await sign(claims(server, client, params, { client_id: other.id }))],
      ['expired', await sign(claims(server, client, params, { exp: now - 120 }))],
      ['exp missing', await sign(claims(server, client, params, { exp: undefined }))],
      ['exp beyond 60 minutes', await sign(claims(server, client, params, { exp: now + 2 * 3600 }))],
      ['nbf in the future', await sign(claims(server, client, params, { nbf: now + 600 }))],
      ['typ of a client assertion', await sign(claims(server, client, params), { typ: 'client-authentication+jwt' })],
      ['nested request_uri', await sign(claims(server, client, params, { request_uri: 'https://127.0.0.1:9/ro.jwt' }))],
      ['not a JWT', 'not-a-jwt'],
    ]
    for (const [label, request] of bad) {
      const response = await sendAuthorization(server, new Browser(), { client_id: client.id, request })
      const page = await expectErrorPage(response)
      expect(page, label).toContain('invalid_request_object')
    }
    // The object is another client's, presented under this client's id: refused as well.
    const { request: othersRequest } = await signedRequest(server, other)
    await expectErrorPage(await sendAuthorization(server, new Browser(), { client_id: client.id, request: othersRequest }))
  })

  it('PR-06 (JAR) a jti is single-use: the same object presented twice is refused the second time', async () => {
    const client = await jarClient(server)
    const { request } = await signedRequest(server, client)
    expectInteraction(server, await sendAuthorization(server, new Browser(), { client_id: client.id, request }))
    const page = await expectErrorPage(await sendAuthorization(server, new Browser(), { client_id: client.id, request }))
    expect(page).toContain('invalid_request_object')
    // Without a jti, nothing is recorded and the object stays usable until exp.
    const { request: noJti } = await signedRequest(server, client, { claims: { jti: undefined } })
    expectInteraction(server, await sendAuthorization(server, new Browser(), { client_id: client.id, request: noJti }))
    expectInteraction(server, await sendAuthorization(server, new Browser(), { client_id: client.id, request: noJti }))
  })

  it('PR-06 (JAR) a verified object with a bad request redirects its error to the registered redirect URI', async () => {
    const client = await jarClient(server)
    const { request } = await signedRequest(server, client, { params: { scope: 'openid unknown-scope', state: 's-1' } })
    expectRedirectError(await sendAuthorization(server, new Browser(), { client_id: client.id, request }), { redirectUri: RP1, error: 'invalid_scope', state: 's-1', iss: server.url })
    // An unregistered redirect URI inside a verified object is still only a page.
    const { request: elsewhere } = await signedRequest(server, client, { params: { redirect_uri: 'https://attacker.example/cb' } })
    await expectErrorPage(await sendAuthorization(server, new Browser(), { client_id: client.id, request: elsewhere }))
  })

  it('PR-06 (JAR) request_uri as a URL is never fetched, with or without a request object beside it', async () => {
    const capture = await startCaptureServer()
    try {
      const client = await jarClient(server)
      const { request } = await signedRequest(server, client)
      await expectErrorPage(await sendAuthorization(server, new Browser(), { client_id: client.id, request, request_uri: `${capture.url}/ro` }))
      const plain = await sendAuthorization(server, new Browser(), authorizationRequest(client, { request_uri: `${capture.url}/ro2` }).params)
      expect(new URL(plain.headers.get('location') ?? 'about:blank').searchParams.get('error')).toBe('request_uri_not_supported')
      await sleep(200)
      expect(capture.requests).toEqual([])
    } finally {
      await capture.close()
    }
  })

  it('PR-06 (JAR) a request object pushed to /par becomes the pushed request; a bad one is a JSON invalid_request_object', async () => {
    const client = await jarClient(server)
    const { request, verifier } = await signedRequest(server, client)
    // RFC 9126 §3: only client_id and the object (plus client authentication) are sent.
    const pushed = await clientPost(server, '/par', client, { client_id: client.id, request, scope: 'openid' })
    const body = (await pushed.json()) as { request_uri: string }
    expect(pushed.status, JSON.stringify(body)).toBe(201)
    const browser = new Browser()
    const location = await codeFrom(server, browser, await sendAuthorization(server, browser, { client_id: client.id, request_uri: body.request_uri }))
    expect((await redeem(server, client, { code: location.searchParams.get('code') ?? '', verifier, redirectUri: RP1 })).status).toBe(200)

    const forged = await sign(claims(server, client, authorizationRequest(client).params), { key: strangerKeys.privateKey })
    await expectTokenError(await clientPost(server, '/par', client, { client_id: client.id, request: forged }), 'invalid_request_object', 400)
    await expectTokenError(await clientPost(server, '/par', client, { client_id: client.id, request: unsecuredJwt(claims(server, client, authorizationRequest(client).params)) }), 'invalid_request_object', 400)
  })
})

/** Every unsigned path ends in an error; signed objects, by value and pushed, are accepted. */
async function expectOnlySignedRequests(target: TestServer, client: TestClient): Promise<void> {
  const { params } = authorizationRequest(client)
  await expectErrorPage(await sendAuthorization(target, new Browser(), params))
  await expectErrorPage(await sendAuthorization(target, new Browser(), params, 'POST'))
  await expectErrorPage(await sendAuthorization(target, new Browser(), { ...params, request: unsecuredJwt(claims(target, client, params)) }))
  await expectErrorPage(await sendAuthorization(target, new Browser(), { ...params, request_uri: 'https://127.0.0.1:9/ro.jwt' }))
  // PAR without a request object is refused at the push, so no URN exists to use.
  await expectTokenError(await clientPost(target, '/par', client, authorizationRequest(client).params), 'invalid_request', 400)
  const byValue = await signedRequest(target, client)
  expectInteraction(target, await sendAuthorization(target, new Browser(), { client_id: client.id, request: byValue.request }))
  const pushedObject = await signedRequest(target, client)
  const pushed = await clientPost(target, '/par', client, { client_id: client.id, request: pushedObject.request })
  expect(pushed.status).toBe(201)
  const { request_uri: requestUri } = (await pushed.json()) as { request_uri: string }
  expectInteraction(target, await sendAuthorization(target, new Browser(), { client_id: client.id, request_uri: requestUri }))
}

describe('PR-07 (JAR) require_signed_request_object', () => {
  it('PR-07 (JAR) per client: the flagged client must sign on every path, other clients need not', async () => {
    const client = await jarClient(server, { required: true })
    const stored = await server.store.clients.get(client.id)
    expect(stored?.require_signed_request_object).toBe(true)
    await expectOnlySignedRequests(server, client)
    expectInteraction(server, await sendAuthorization(server, new Browser(), authorizationRequest(await jarClient(server)).params))
  })

  it('PR-07 (JAR) server-wide: discovery says so and every client must sign', async () => {
    await withSecurityServer({ capabilities: capabilities(true) }, async (strict) => {
      const metadata = (await (await fetch(`${strict.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
      expect(metadata.require_signed_request_object).toBe(true)
      await expectOnlySignedRequests(strict, await jarClient(strict))
      // A client without keys can no longer authorize at all.
      await expectErrorPage(await sendAuthorization(strict, new Browser(), authorizationRequest(strict.clients.conf).params))
    })
  })
})
