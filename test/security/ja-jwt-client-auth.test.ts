/**
 * Catalogue wave 2 §17 — JWT client authentication (JA), with wave 1's CA-05 and CA-06 (§0.6: CA-05's
 * audience rule is JA-01's). `private_key_jwt` and `client_secret_jwt` over real HTTP against the
 * standalone server; `jwks_uri` served by a loopback listener (`development.allowLoopbackFetch`).
 */
import { createHmac, createPrivateKey, generateKeyPairSync, KeyObject, randomUUID, sign as nodeSign } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { dynamicRegistration } from '../../src/server/rfc7591/index.js'
import { dpopKey, dpopProof } from '../helpers/dpop.js'
import { SECRET } from '../helpers/tessera.js'
import { expectTokenError, postForm, securityServerForFile, startCaptureServer, type Params } from './helpers.js'

const server = await securityServerForFile({
  capabilities: [dynamicRegistration({ policy: 'open', requestsPerAddress: 10_000 })],
  development: { allowLoopbackFetch: true },
  outbound: { timeoutMs: 1500 },
  // JA-08 sends a hundred bad assertions from one address: the failure limits (RL-02) are not under test here.
  clientLimits: { authFailuresPerClientAddress: 10_000, authFailuresPerAddress: 10_000 },
})
const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>
const ISS = String(discovery.issuer)
const TOKEN_ENDPOINT = String(discovery.token_endpoint)
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const now = (): number => Math.floor(Date.now() / 1000)

interface Key { kid: string; alg: string; privateKey: CryptoKey; publicJwk: JWK }

async function newKey(alg: 'ES256' | 'RS256' | 'PS256' | 'EdDSA', extra: Partial<JWK> = {}): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) })
  const kid = randomUUID()
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, ...extra } }
}

let counter = 0
async function pkjwtClient(keys: Key[], options: { alg?: string; id?: string } = {}): Promise<string> {
  const id = options.id ?? `pkjwt-${++counter}`
  await createClient(server.store, {
    name: id, clientId: id, authMethod: 'private_key_jwt', grantTypes: ['client_credentials'], scopes: ['notes:read'],
    jwks: { keys: keys.map((key) => key.publicJwk) }, ...(options.alg ? { tokenEndpointAuthSigningAlg: options.alg } : {}),
  }, now())
  return id
}

function claims(clientId: string, overrides: Record<string, unknown> = {}): JWTPayload {
  const t = now()
  const payload: Record<string, unknown> = { iss: clientId, sub: clientId, aud: ISS, jti: randomUUID(), iat: t, exp: t + 60, ...overrides }
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name]
  return payload as JWTPayload
}

async function assertion(key: Key, payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey)
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Signs without jose's checks (a `crit` it would refuse, a DER signature). */
function rawEs256(key: Key, header: Record<string, unknown>, payload: JWTPayload, dsaEncoding: 'ieee-p1363' | 'der' = 'ieee-p1363'): string {
  const input = `${b64(header)}.${b64(payload)}`
  const privateKey = KeyObject.from(key.privateKey)
  return `${input}.${nodeSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding }).toString('base64url')}`
}

async function privateJwkOf(key: Key): Promise<JWK> {
  return exportJWK(key.privateKey)
}

function clientCredentials(token: string, extra: Params = {}): Promise<Response> {
  return postForm(server, '/token', { grant_type: 'client_credentials', scope: 'notes:read', client_assertion_type: ASSERTION_TYPE, client_assertion: token, ...extra })
}

async function expectAccepted(response: Response): Promise<void> {
  expect(response.status, await response.clone().text()).toBe(200)
}

async function expectRefused(response: Response): Promise<void> {
  await expectTokenError(response, 'invalid_client', 401)
}

afterEach(() => {
  vi.useRealTimers()
})

describe('JA JWT client authentication', () => {
  it('discovery lists the JWT methods and their algorithms at every authenticating endpoint', () => {
    for (const endpoint of ['token', 'revocation', 'introspection']) {
      expect(discovery[`${endpoint}_endpoint_auth_methods_supported`]).toEqual(expect.arrayContaining(['private_key_jwt', 'client_secret_jwt']))
      const algs = discovery[`${endpoint}_endpoint_auth_signing_alg_values_supported`] as string[]
      expect(algs).toEqual(expect.arrayContaining(['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256']))
      expect(algs).not.toContain('none')
    }
  })

  it('JA-01 the issuer identifier as a single string is the only accepted audience, at every endpoint', async () => {
    const key = await newKey('ES256')
    const id = await pkjwtClient([key])
    await expectAccepted(await clientCredentials(await assertion(key, claims(id))))
    // `[ISS]` is refused too (documented): 7523bis §4 asks for the issuer as the sole value, a string.
    const refused: unknown[] = [
      [ISS], TOKEN_ENDPOINT, `${ISS}/par`, String(discovery.introspection_endpoint), `${ISS}/`, [ISS, 'https://other-as.test'],
      ['https://other-as.test'], undefined,
    ]
    for (const aud of refused) await expectRefused(await clientCredentials(await assertion(key, claims(id, { aud }))))
    for (const path of ['/introspect', '/revoke']) {
      const form = { token: 'not-a-token', client_assertion_type: ASSERTION_TYPE }
      const good = await postForm(server, path, { ...form, client_assertion: await assertion(key, claims(id)) })
      expect(good.status, path).toBe(200)
      await expectRefused(await postForm(server, path, { ...form, client_assertion: await assertion(key, claims(id, { aud: TOKEN_ENDPOINT })) }))
    }
  })

  it('JA-02 client-authentication+jwt, JWT and no typ are accepted; any other explicit type is refused', async () => {
    const key = await newKey('ES256')
    const id = await pkjwtClient([key])
    for (const typ of ['client-authentication+jwt', undefined, 'JWT']) {
      await expectAccepted(await clientCredentials(await assertion(key, claims(id), typ === undefined ? {} : { typ })))
    }
    for (const typ of ['dpop+jwt', 'oauth-authz-req+jwt', 'at+jwt', 'logout+jwt', 'oauth-id-jag+jwt', 'secevent+jwt']) {
      await expectRefused(await clientCredentials(await assertion(key, claims(id), { typ })))
    }
  })

  it('JA-04 exp is required, lifetimes are bounded (300 s, 60 s skew) and times must make sense', async () => {
    const key = await newKey('ES256')
    const id = await pkjwtClient([key])
    const t = now()
    const refused: Record<string, unknown>[] = [
      { exp: undefined }, { exp: t - 61 }, { exp: t + 365 * 86400 }, { iat: t + 600 }, { nbf: t + 120 },
      { iat: t - 2 * 86400, exp: t + 60 }, { exp: String(t + 60) }, { exp: 1e20 }, { exp: -1 },
    ]
    for (const overrides of refused) await expectRefused(await clientCredentials(await assertion(key, claims(id, overrides))))
    // A fractional NumericDate inside the window is accepted (RFC 7519 §2).
    await expectAccepted(await clientCredentials(await assertion(key, claims(id, { exp: t + 60.5 }))))
  })

  it('JA-05 iss, sub and client_id must all name the same client, compared exactly', async () => {
    const key = await newKey('ES256')
    const key2 = await newKey('ES256')
    const id = await pkjwtClient([key])
    const id2 = await pkjwtClient([key2])
    await expectRefused(await clientCredentials(await assertion(key, claims(id, { sub: id2 }))))
    await expectRefused(await clientCredentials(await assertion(key, claims(id, { iss: id2 }))))
    await expectRefused(await clientCredentials(await assertion(key, claims(id)), { client_id: id2 }))
    await expectRefused(await clientCredentials(await assertion(key, claims(id2)), { client_id: id2 }))
    await expectRefused(await clientCredentials(await assertion(key, claims(id, { iss: id.toUpperCase() }))))
    await expectRefused(await clientCredentials(await assertion(key, claims(id, { sub: `${id} `, iss: `${id} ` }))))
    await expectAccepted(await clientCredentials(await assertion(key, claims(id)), { client_id: id }))
    await expectAccepted(await clientCredentials(await assertion(key, claims(id))))
  })

  it('JA-06 only the registered algorithm with a signing key of the client verifies; 1024-bit RSA is refused at registration', async () => {
    const ec = await newKey('ES256')
    const rsa = await newKey('RS256')
    const id = await pkjwtClient([ec, rsa], { alg: 'ES256' })
    await expectAccepted(await clientCredentials(await assertion(ec, claims(id))))
    await expectRefused(await clientCredentials(await assertion(rsa, claims(id))))
    await expectRefused(await clientCredentials(rawEs256(ec, { alg: 'PS256', kid: ec.kid }, claims(id))))
    await expectRefused(await clientCredentials(rawEs256(ec, { alg: 'ES256', kid: rsa.kid }, claims(id))))
    await expectRefused(await clientCredentials(rawEs256(ec, { alg: 'ES256', kid: ec.kid }, claims(id), 'der')))
    await expectRefused(await clientCredentials(rawEs256(ec, { alg: 'ES256', kid: ec.kid, crit: ['exp'], exp: now() + 60 }, claims(id))))
    // No kid: every suitable key is tried (documented); only the EC key suits ES256.
    await expectAccepted(await clientCredentials(rawEs256(ec, { alg: 'ES256' }, claims(id))))

    for (const extra of [{ use: 'enc' }, { key_ops: ['encrypt'] }] as Partial<JWK>[]) {
      const encryptionKey = await newKey('ES256', extra)
      const encId = await pkjwtClient([encryptionKey])
      await expectRefused(await clientCredentials(await assertion(encryptionKey, claims(encId))))
    }

    // jose refuses to make one (RFC 7518 §3.3); node:crypto still does.
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const registration = await fetch(`${server.url}/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicKey.export({ format: 'jwk' })] } }),
    })
    expect(registration.status).toBe(400)
    expect(((await registration.json()) as { error: string }).error).toBe('invalid_client_metadata')
  })

  it('JA-06 registration refuses private members, jwks with jwks_uri, and a method without keys', async () => {
    const key = await newKey('ES256')
    const bodies = [
      { jwks: { keys: [await privateJwkOf(key)] } },
      { jwks: { keys: [key.publicJwk] }, jwks_uri: 'https://keys.example/jwks' },
      {},
      { jwks: { keys: [key.publicJwk] }, token_endpoint_auth_signing_alg: 'HS256' },
      { jwks: { keys: [key.publicJwk] }, token_endpoint_auth_signing_alg: 'none' },
    ]
    for (const body of bodies) {
      const response = await fetch(`${server.url}/register`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', ...body }),
      })
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect(((await response.json()) as { error: string }).error).toBe('invalid_client_metadata')
    }
  })

  it('JA-08 jwks_uri: unknown kids refetch at most once per cool-down, rotation works, failures keep the last good keys', async () => {
    let served: { status: number; body: string; location?: string } = { status: 200, body: '' }
    const requests: string[] = []
    const listener = createServer((request: IncomingMessage, response: ServerResponse) => {
      requests.push(request.url ?? '')
      response.writeHead(served.status, { 'content-type': 'application/json', ...(served.location ? { location: served.location } : {}) }).end(served.body)
    })
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`
    const capture = await startCaptureServer()
    try {
      const key = await newKey('ES256')
      served = { status: 200, body: JSON.stringify({ keys: [key.publicJwk] }) }
      const registration = await fetch(`${server.url}/register`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: ['client_credentials'], scope: 'notes:read', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${base}/pkj3/jwks` }),
      })
      expect(registration.status).toBe(201)
      const registered = (await registration.json()) as { client_id: string; jwks_uri: string }
      expect(registered.jwks_uri).toBe(`${base}/pkj3/jwks`)
      expect(requests).toEqual([])
      const id = registered.client_id
      await expectAccepted(await clientCredentials(await assertion(key, claims(id))))
      expect(requests).toHaveLength(1)

      for (let i = 0; i < 100; i++) await expectRefused(await clientCredentials(await assertion(key, claims(id), { kid: randomUUID() })))
      expect(requests.length).toBeLessThanOrEqual(2)

      // The client rotates its key; after the cool-down (60 s) one refetch finds it.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 })
      const rotated = await newKey('ES256')
      served = { status: 200, body: JSON.stringify({ keys: [rotated.publicJwk] }) }
      const before = requests.length
      await expectAccepted(await clientCredentials(await assertion(rotated, claims(id))))
      expect(requests.length).toBe(before + 1)

      // Stale keys and a failing jwks_uri: the last good keys stay, never a 500.
      for (const failure of [
        { status: 500, body: 'oops' },
        { status: 200, body: JSON.stringify({ keys: [await privateJwkOf(rotated)] }) },
        { status: 302, body: '', location: `${capture.url}/internal` },
        { status: 200, body: 'x'.repeat(10 * 1024 * 1024) },
      ]) {
        served = failure
        vi.setSystemTime(Date.now() + 601_000)
        await expectAccepted(await clientCredentials(await assertion(rotated, claims(id))))
      }
      expect(capture.requests).toEqual([])

      // A client whose jwks_uri never gave good keys cannot authenticate: private members, redirect, too large.
      for (const failure of [
        { status: 200, body: JSON.stringify({ keys: [await privateJwkOf(rotated)] }) },
        { status: 302, body: '', location: `${capture.url}/internal` },
        { status: 200, body: JSON.stringify({ keys: [rotated.publicJwk], pad: 'x'.repeat(10 * 1024 * 1024) }) },
      ]) {
        served = failure
        const fresh = await fetch(`${server.url}/register`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_types: ['client_credentials'], scope: 'notes:read', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${base}/fresh/jwks` }),
        })
        const freshId = ((await fresh.json()) as { client_id: string }).client_id
        await expectRefused(await clientCredentials(await assertion(rotated, claims(freshId))))
      }
      expect(capture.requests).toEqual([])
    } finally {
      await capture.close()
      await new Promise<void>((resolve) => listener.close(() => resolve()))
    }
  })

  it('CA-05 assertion validation: audience, expiry, nbf, sub, jti required and single use', async () => {
    const key = await newKey('PS256')
    const id = await pkjwtClient([key])
    const t = now()
    for (const overrides of [{ aud: 'https://other-as.test' }, { exp: t - 300, iat: t - 360 }, { nbf: t + 120 }, { sub: 'someone-else' }, { jti: undefined }]) {
      await expectRefused(await clientCredentials(await assertion(key, claims(id, overrides))))
    }
    const once = await assertion(key, claims(id))
    await expectAccepted(await clientCredentials(once))
    await expectRefused(await clientCredentials(once))
    // Single use across endpoints too: the same jti cannot authenticate at introspection afterwards.
    await expectRefused(await postForm(server, '/introspect', { token: 'x', client_assertion_type: ASSERTION_TYPE, client_assertion: once }))
  })

  it('CA-06 crypto attacks: alg none, HMAC with the public key, a foreign key, keys named by the header', async () => {
    const key = await newKey('RS256')
    const id = await pkjwtClient([key])
    const payload = claims(id)
    await expectRefused(await clientCredentials(`${b64({ alg: 'none' })}.${b64(payload)}.`))
    const input = `${b64({ alg: 'HS256', kid: key.kid })}.${b64(claims(id))}`
    const publicPem = createPrivateKey({ key: await privateJwkOf(key) as never, format: 'jwk' }).export({ type: 'pkcs1', format: 'pem' })
    await expectRefused(await clientCredentials(`${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`))
    await expectRefused(await clientCredentials(`${input}.${createHmac('sha256', JSON.stringify(key.publicJwk)).update(input).digest('base64url')}`))
    const attacker = await newKey('RS256')
    await expectRefused(await clientCredentials(await assertion(attacker, claims(id), { kid: key.kid })))
    const capture = await startCaptureServer()
    try {
      await expectRefused(await clientCredentials(await assertion(attacker, claims(id), { kid: attacker.kid, jwk: attacker.publicJwk })))
      await expectRefused(await clientCredentials(await assertion(attacker, claims(id), { jku: `${capture.url}/jwks` })))
      await expectRefused(await clientCredentials(await assertion(attacker, claims(id), { x5u: `${capture.url}/cert` })))
      expect(capture.requests).toEqual([])
    } finally {
      await capture.close()
    }
  })

  it('client_secret_jwt: HS256 with the client secret, which is kept sealed, never as plain text', async () => {
    const { client, clientSecret } = await createClient(server.store, {
      name: 'csjwt', clientId: `csjwt-${++counter}`, authMethod: 'client_secret_jwt', grantTypes: ['client_credentials'], scopes: ['notes:read'],
      tokenEndpointAuthSigningAlg: 'HS256',
    }, now(), { secret: SECRET })
    expect(clientSecret).toBeTypeOf('string')
    const stored = await server.store.clients.get(client.client_id)
    expect(stored?.client_secret_hash).toBeNull()
    expect(stored?.client_secret_sealed).toBeTypeOf('string')
    expect(JSON.stringify(stored)).not.toContain(clientSecret)
    const hs = (secret: string, alg = 'HS256', payload = claims(client.client_id)): Promise<string> =>
      new SignJWT(payload).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret))
    await expectAccepted(await clientCredentials(await hs(clientSecret ?? '')))
    await expectRefused(await clientCredentials(await hs('wrong-secret-wrong-secret-wrong-secret')))
    await expectRefused(await clientCredentials(await hs(clientSecret ?? '', 'HS512')))
    // Its secret does not work as a plain secret either: the method is binding.
    await expectRefused(await postForm(server, '/token', { grant_type: 'client_credentials', client_id: client.client_id, client_secret: clientSecret ?? '' }))
  })

  it('dynamic registration: client_secret_jwt gets a sealed secret that authenticates, and RFC 7592 recognises it', async () => {
    const body = { grant_types: ['client_credentials'], scope: 'notes:read', token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'HS256', dpop_bound_access_tokens: true }
    const response = await fetch(`${server.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect(response.status).toBe(201)
    const info = (await response.json()) as Record<string, string>
    expect(info).toMatchObject({ token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'HS256', dpop_bound_access_tokens: true, require_pushed_authorization_requests: false })
    const secret = info.client_secret ?? ''
    const hs = async () => new SignJWT(claims(info.client_id ?? '')).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret))
    // Registered DPoP-bound: the assertion authenticates, and the token request still needs its proof.
    await expectTokenError(await clientCredentials(await hs()), 'invalid_dpop_proof', 400)
    const proof = await dpopProof(await dpopKey(), { htm: 'POST', htu: `${server.url}/token` })
    const bound = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'notes:read', client_assertion_type: ASSERTION_TYPE, client_assertion: await hs() }).toString(),
    })
    await expectAccepted(bound)
    expect(await bound.json()).toMatchObject({ token_type: 'DPoP' })
    const update = await fetch(info.registration_client_uri ?? '', {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${info.registration_access_token ?? ''}` },
      body: JSON.stringify({ ...body, client_id: info.client_id, client_secret: secret }),
    })
    expect(update.status, await update.clone().text()).toBe(200)
    expect(((await update.json()) as Record<string, unknown>).client_secret).toBeUndefined()
  })
})
