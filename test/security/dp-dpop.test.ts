/**
 * Catalogue wave 2 §19 — DPoP sender-constrained tokens (DP), at the authorization server over real
 * loopback HTTP (the standalone server), except the nonce and flagged-client cases, which need server
 * options and a clock and run through `handle()`. K1 and K2 are ES256 keys made here (§0.4).
 */
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto'
import { exportJWK, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { Browser } from '../helpers/http-client.js'
import { dpopKey, dpopProof, type DpopKey } from '../helpers/dpop.js'
import { basicAuth, clientPost, type TestClient } from '../helpers/tessera.js'
import { createHarness, json } from '../helpers/server-values.js'
import { pushedAuthorizationRequests } from '../../src/server/par/index.js'
import { authorizationFlow, authorizationRequest, completeInteraction, decodePayload, expectRedirectError, expectTokenError, introspect, sendAuthorization, securityServerForFile, startCaptureServer } from './helpers.js'

const server = await securityServerForFile({ capabilities: [pushedAuthorizationRequests()] })
const tokenUrl = `${server.url}/token`
let K1: DpopKey
let K2: DpopKey

beforeAll(async () => {
  K1 = await dpopKey()
  K2 = await dpopKey()
})

/** A token-endpoint POST of `client` with its registered authentication and the given DPoP headers. */
function tokenRequest(client: TestClient, form: Record<string, string>, proofs: string[]): Promise<Response> {
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' })
  const body = new URLSearchParams(form)
  if (client.method === 'client_secret_basic') headers.set('authorization', basicAuth(client))
  else body.set('client_id', client.id)
  for (const proof of proofs) headers.append('dpop', proof)
  return fetch(tokenUrl, { method: 'POST', headers, body: body.toString() })
}

const clientCredentials = (proofs: string[]) => tokenRequest(server.clients.m2m, { grant_type: 'client_credentials' }, proofs)
const tokenProof = (key: DpopKey, options: Partial<Parameters<typeof dpopProof>[1]> = {}) => dpopProof(key, { htm: 'POST', htu: tokenUrl, ...options })

async function expectDpopError(response: Response, error = 'invalid_dpop_proof'): Promise<void> {
  await expectTokenError(response, error, 400)
}

describe('DP DPoP at the token endpoint', () => {
  it('DP-01 a proof is single use for its key and jti, however its htm/htu are spelled, and of 10 parallel uses one wins', async () => {
    const jti = randomUUID()
    const first = await clientCredentials([await tokenProof(K1, { jti })])
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ token_type: 'DPoP' })
    const replays = [
      await tokenProof(K1, { jti }),
      await tokenProof(K1, { jti, htm: 'post' }),
      await tokenProof(K1, { jti, htu: `${tokenUrl}?x=1` }),
      await tokenProof(K1, { jti, htu: `${tokenUrl}#f` }),
      await tokenProof(K1, { jti, htu: tokenUrl.replace('127.0.0.1', '127.0.0.1'.toUpperCase()).replace('http://', 'HTTP://') }),
    ]
    for (const proof of replays) await expectDpopError(await clientCredentials([proof]))

    const parallel = await tokenProof(K1)
    const answers = await Promise.all(Array.from({ length: 10 }, () => clientCredentials([parallel])))
    expect(answers.filter((response) => response.status === 200)).toHaveLength(1)
    for (const response of answers.filter((answer) => answer.status !== 200)) await expectDpopError(response)
  })

  it('DP-02 htm and htu bind the proof to the token endpoint; query and fragment are ignored, encodings normalised', async () => {
    const other = new URL(tokenUrl)
    other.port = String(Number(other.port) + 1)
    const refused = [
      await tokenProof(K1, { htm: 'GET' }),
      await tokenProof(K1, { htu: 'https://other-as.test/token' }),
      await tokenProof(K1, { htu: tokenUrl.replace('http:', 'https:') }),
      await tokenProof(K1, { htu: other.href }),
      await tokenProof(K1, { htu: `${server.url}/api/x` }),
      await tokenProof(K1, { htu: 'not a url' }),
    ]
    for (const proof of refused) await expectDpopError(await clientCredentials([proof]))
    // RFC 9449 §4.3: query and fragment ignored; RFC 3986 §6.2.2.2: %6B is `k`.
    for (const htu of [`${tokenUrl}?a=1#f`, `${server.url}/to%6Ben`]) {
      expect((await clientCredentials([await tokenProof(K1, { htu })])).status).toBe(200)
    }
  })

  it('DP-04 malformed proofs, keys and headers are invalid_dpop_proof and never fetch a key', async () => {
    const capture = await startCaptureServer()
    try {
      const hmacKey = new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!')
      const noneJwt = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: K1.publicJwk })).toString('base64url')}.${Buffer.from(JSON.stringify({ jti: randomUUID(), htm: 'POST', htu: tokenUrl, iat: Math.floor(Date.now() / 1000) })).toString('base64url')}.`
      const privateJwk = await exportJWK(K1.privateKey)
      const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 })
      const smallJwk = rsa1024.publicKey.export({ format: 'jwk' })
      const smallInput = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'dpop+jwt', jwk: smallJwk })).toString('base64url')}.${Buffer.from(JSON.stringify({ jti: randomUUID(), htm: 'POST', htu: tokenUrl, iat: Math.floor(Date.now() / 1000) })).toString('base64url')}`
      const smallProof = `${smallInput}.${createSign('sha256').update(smallInput).sign(rsa1024.privateKey).toString('base64url')}`
      const proofs = [
        await tokenProof(K1, { header: { typ: 'JWT' } }),
        await tokenProof(K1, { header: { typ: undefined } }),
        await tokenProof(K1, { header: { typ: 'application/dpop+jwt' } }),
        noneJwt,
        await new SignJWT({ jti: randomUUID(), htm: 'POST', htu: tokenUrl, iat: Math.floor(Date.now() / 1000) }).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: K1.publicJwk }).sign(hmacKey),
        await tokenProof(K1, { header: { jwk: privateJwk } }),
        await tokenProof(K1, { header: { jwk: undefined } }),
        smallProof,
        await tokenProof(K2, { header: { jwk: K1.publicJwk } }),
        await tokenProof(K1, { header: { jwk: undefined, jku: `${capture.url}/jwks` } }),
        await tokenProof(K1, { header: { jwk: undefined, x5u: `${capture.url}/cert` } }),
        await tokenProof(K1, { header: { jwk: undefined, kid: `${capture.url}/key` } }),
        // Over the proof limit (8 KiB) but within Node's header limit: refused by the DPoP check.
        await tokenProof(K1, { claims: { pad: 'x'.repeat(9_000) } }),
        'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d',
        await tokenProof(K1, { claims: { jti: undefined } }),
      ]
      for (const proof of proofs) await expectDpopError(await clientCredentials([proof]))
      // RFC 9449 §4.3 step 1: exactly one DPoP header.
      await expectDpopError(await clientCredentials([await tokenProof(K1), await tokenProof(K1)]))
      // A 20 KB proof never reaches the DPoP check: Node's 16 KiB header limit answers 431 (catalogue RL-05).
      const huge = await clientCredentials([await tokenProof(K1, { claims: { pad: 'x'.repeat(20_000) } })])
      expect(huge.status).toBe(431)
      expect(capture.requests).toEqual([])
    } finally {
      await capture.close()
    }
  })

  it('DP-06 introspection reports a bound token as token_type DPoP with its cnf.jkt (JWT)', async () => {
    const response = await clientCredentials([await tokenProof(K1)])
    const { access_token: accessToken } = (await response.json()) as { access_token: string }
    expect(decodePayload(accessToken).cnf).toEqual({ jkt: K1.jkt })
    const answer = (await (await introspect(server, server.clients.m2m, accessToken)).json()) as Record<string, unknown>
    expect(answer).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: K1.jkt } })
    const unbound = (await (await clientPost(server, '/token', server.clients.m2m, { grant_type: 'client_credentials' })).json()) as { access_token: string; token_type: string }
    expect(unbound.token_type).toBe('Bearer')
    expect(decodePayload(unbound.access_token).cnf).toBeUndefined()
    expect(await (await introspect(server, server.clients.m2m, unbound.access_token)).json()).toMatchObject({ active: true, token_type: 'Bearer' })
  })

  it('DP-08 a code authorized with dpop_jkt is redeemed only with a proof of that key', async () => {
    const { pub } = server.clients
    const redeemWith = async (proofs: string[]) => {
      const flow = await authorizationFlow(server, new Browser(), pub, { overrides: { dpop_jkt: K1.jkt } })
      return tokenRequest(pub, { grant_type: 'authorization_code', code: flow.code ?? '', redirect_uri: flow.redirectUri, code_verifier: flow.verifier }, proofs)
    }
    await expectTokenError(await redeemWith([await tokenProof(K2)]), 'invalid_grant')
    await expectTokenError(await redeemWith([]), 'invalid_grant')
    const bound = await redeemWith([await tokenProof(K1)])
    expect(bound.status).toBe(200)
    const body = (await bound.json()) as { token_type: string; access_token: string }
    expect(body.token_type).toBe('DPoP')
    expect(decodePayload(body.access_token).cnf).toEqual({ jkt: K1.jkt })

    const { params } = authorizationRequest(pub, { dpop_jkt: 'not+a+thumbprint' })
    const refused = await sendAuthorization(server, new Browser(), params)
    expectRedirectError(refused, { redirectUri: pub.redirectUri, error: 'invalid_request', state: params.state, iss: server.url })
  })

  it('DP-08 a proof sent with a pushed request binds the code like dpop_jkt, and must agree with a dpop_jkt', async () => {
    const { pub } = server.clients
    const parProof = (key: DpopKey) => dpopProof(key, { htm: 'POST', htu: `${server.url}/par` })
    const push = async (proof: string, overrides: Record<string, string> = {}) => {
      const { params, verifier } = authorizationRequest(pub, overrides)
      const response = await fetch(`${server.url}/par`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
        body: new URLSearchParams({ ...params, client_id: pub.id }).toString(),
      })
      return { response, verifier, redirectUri: params.redirect_uri ?? '' }
    }
    await expectDpopError((await push(await parProof(K1), { dpop_jkt: K2.jkt })).response)
    await expectDpopError((await push(await tokenProof(K1))).response)

    const redeemPushed = async (proofs: string[]) => {
      const pushed = await push(await parProof(K1))
      const { request_uri: requestUri } = (await pushed.response.json()) as { request_uri: string }
      expect(pushed.response.status).toBe(201)
      const browser = new Browser()
      const first = await sendAuthorization(server, browser, { client_id: pub.id, request_uri: requestUri })
      const outcome = await completeInteraction(server, browser, first, { user: server.users.alice })
      const code = new URL(outcome.response.headers.get('location') ?? 'about:blank').searchParams.get('code') ?? ''
      return tokenRequest(pub, { grant_type: 'authorization_code', code, redirect_uri: pushed.redirectUri, code_verifier: pushed.verifier }, proofs)
    }
    await expectTokenError(await redeemPushed([await tokenProof(K2)]), 'invalid_grant')
    const bound = await redeemPushed([await tokenProof(K1)])
    expect(bound.status).toBe(200)
    expect(decodePayload(((await bound.json()) as { access_token: string }).access_token).cnf).toEqual({ jkt: K1.jkt })
  })

  it('DP-08 a public client\'s refresh token bound at issuance refreshes only with the same key', async () => {
    const { pub } = server.clients
    const flow = await authorizationFlow(server, new Browser(), pub, { overrides: { scope: 'openid offline_access notes:read' } })
    const issued = await tokenRequest(pub, { grant_type: 'authorization_code', code: flow.code ?? '', redirect_uri: flow.redirectUri, code_verifier: flow.verifier }, [await tokenProof(K1)])
    const { refresh_token: refreshToken } = (await issued.json()) as { refresh_token: string }
    const refresh = async (proofs: string[]) => tokenRequest(pub, { grant_type: 'refresh_token', refresh_token: refreshToken }, proofs)
    await expectTokenError(await refresh([await tokenProof(K2)]), 'invalid_grant')
    await expectTokenError(await refresh([]), 'invalid_grant')
    const refreshed = await refresh([await tokenProof(K1)])
    expect(refreshed.status).toBe(200)
    expect(await refreshed.json()).toMatchObject({ token_type: 'DPoP' })
  })

  it('DP-10 any client may bind its tokens; discovery lists asymmetric proof algorithms; a proof is no client authentication', async () => {
    const { conf } = server.clients
    const flow = await authorizationFlow(server, new Browser(), conf)
    const response = await tokenRequest(conf, { grant_type: 'authorization_code', code: flow.code ?? '', redirect_uri: flow.redirectUri, code_verifier: flow.verifier }, [await tokenProof(K1)])
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ token_type: 'DPoP' })

    const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { dpop_signing_alg_values_supported: string[] }
    expect(metadata.dpop_signing_alg_values_supported.length).toBeGreaterThan(0)
    for (const alg of metadata.dpop_signing_alg_values_supported) expect(alg).toMatch(/^(ES|PS|RS)\d{3}$|^EdDSA$/)

    await expectDpopError(await clientCredentials([await tokenProof(K1, { htu: `${server.url}/par` })]))
    const proofOnly = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await tokenProof(K1) },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'm2m' }).toString(),
    })
    await expectTokenError(proofOnly, 'invalid_client', 401)
  })
})

describe('DP DPoP-bound tokens at /userinfo and the demo API', () => {
  async function boundTokens(): Promise<{ accessToken: string }> {
    const { pub } = server.clients
    const flow = await authorizationFlow(server, new Browser(), pub, { overrides: { scope: 'openid notes:read' } })
    const response = await tokenRequest(pub, { grant_type: 'authorization_code', code: flow.code ?? '', redirect_uri: flow.redirectUri, code_verifier: flow.verifier }, [await tokenProof(K1)])
    const body = (await response.json()) as { access_token: string; token_type: string }
    expect(body.token_type).toBe('DPoP')
    return { accessToken: body.access_token }
  }
  const call = async (path: string, scheme: string, token: string, proof?: string) =>
    fetch(`${server.url}${path}`, { headers: { authorization: `${scheme} ${token}`, ...(proof !== undefined ? { dpop: proof } : {}) } })

  it('DP-06 /userinfo and /api/notes accept a bound token under DPoP, refuse it as Bearer, refuse a replayed proof', async () => {
    const { accessToken } = await boundTokens()
    for (const path of ['/userinfo', '/api/notes']) {
      const proof = await dpopProof(K1, { htm: 'GET', htu: `${server.url}${path}`, accessToken })
      const accepted = await call(path, 'DPoP', accessToken, proof)
      expect(accepted.status, await accepted.clone().text()).toBe(200)
      const replayed = await call(path, 'DPoP', accessToken, proof)
      expect(replayed.status).toBe(401)
      expect(replayed.headers.get('www-authenticate')).toMatch(/DPoP .*error="invalid_dpop_proof"/)
      for (const bearer of [await call(path, 'Bearer', accessToken), await call(path, 'Bearer', accessToken, await dpopProof(K1, { htm: 'GET', htu: `${server.url}${path}`, accessToken }))]) {
        expect(bearer.status).toBe(401)
        const challenge = bearer.headers.get('www-authenticate') ?? ''
        expect(challenge).toMatch(/^Bearer .*error="invalid_token"/)
        expect(challenge).toMatch(/DPoP .*algs="[^"]+"/)
      }
      const noProof = await call(path, 'DPoP', accessToken)
      expect(noProof.status).toBe(401)
      expect(noProof.headers.get('www-authenticate')).toMatch(/DPoP .*error="invalid_dpop_proof"/)
      const otherKey = await call(path, 'DPoP', accessToken, await dpopProof(K2, { htm: 'GET', htu: `${server.url}${path}`, accessToken }))
      expect(otherKey.status).toBe(401)
    }
  })
})

describe('DP DPoP server options (through handle())', () => {
  let harness: Awaited<ReturnType<typeof createHarness>>
  let key: DpopKey
  beforeAll(async () => {
    harness = await createHarness({ dpopNonces: true })
    key = await dpopKey()
  })

  const proofAt = (options: Partial<Parameters<typeof dpopProof>[1]> = {}) => dpopProof(key, { htm: 'POST', htu: 'http://127.0.0.1:4000/token', iat: harness.clock.now, ...options })
  const send = (proof: string) => harness.send('POST', '/token', { form: { grant_type: 'client_credentials' }, headers: { authorization: `Basic ${Buffer.from('m2m:m2m-secret').toString('base64')}`, dpop: proof } })

  it('DP-03 iat outside the window is refused; nonces are required, stale ones replaced, correct ones accepted', async () => {
    const missing = await send(await proofAt())
    expect(missing.status).toBe(400)
    expect(json(missing).error).toBe('use_dpop_nonce')
    const nonce = missing.headers.get('dpop-nonce') ?? ''
    expect(nonce).not.toBe('')
    for (const iat of [harness.clock.now - 600, harness.clock.now + 600]) {
      const response = await send(await proofAt({ iat, nonce }))
      expect(json(response).error).toBe('invalid_dpop_proof')
    }
    expect((await send(await proofAt({ iat: harness.clock.now - 30, nonce }))).status).toBe(200)
    // A foreign nonce (another server's) and, ten minutes on, a stale one: use_dpop_nonce with a fresh value.
    const foreign = await send(await proofAt({ nonce: `${nonce.split('.')[0] ?? ''}.AAAA` }))
    expect(json(foreign).error).toBe('use_dpop_nonce')
    harness.clock.now += 600
    const stale = await send(await proofAt({ nonce }))
    expect(json(stale).error).toBe('use_dpop_nonce')
    const fresh = stale.headers.get('dpop-nonce') ?? ''
    expect(fresh).not.toBe(nonce)
    const accepted = await send(await proofAt({ nonce: fresh }))
    expect(accepted.status).toBe(200)
    expect(json(accepted).token_type).toBe('DPoP')
  })

  it('DP-06 an opaque bound token: introspection says DPoP with the cnf.jkt kept beside its record', async () => {
    const opaque = await createHarness({ accessTokenFormat: 'opaque' })
    const proof = await dpopProof(key, { htm: 'POST', htu: 'http://127.0.0.1:4000/token', iat: opaque.clock.now })
    const issued = await opaque.send('POST', '/token', { form: { grant_type: 'client_credentials' }, headers: { authorization: `Basic ${Buffer.from('m2m:m2m-secret').toString('base64')}`, dpop: proof } })
    const { access_token: accessToken, token_type: tokenType } = json(issued) as { access_token: string; token_type: string }
    expect(tokenType).toBe('DPoP')
    const answer = json(await opaque.post('/introspect', 'm2m', { token: accessToken }))
    expect(answer).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } })
  })

  it('DP-10 a client registered with dpop_bound_access_tokens, and every client under requireDpop, needs a proof', async () => {
    const flagged = await createHarness()
    const m2m = await flagged.store.clients.get('m2m')
    if (!m2m) throw new Error('fixture client missing')
    await flagged.store.clients.update({ ...m2m, dpop_bound_access_tokens: true })
    const refused = await flagged.post('/token', 'm2m', { grant_type: 'client_credentials' })
    expect(refused.status).toBe(400)
    expect(json(refused).error).toBe('invalid_dpop_proof')

    const strict = await createHarness({ requireDpop: true })
    const strictRefused = await strict.post('/token', 'm2m', { grant_type: 'client_credentials' })
    expect(json(strictRefused).error).toBe('invalid_dpop_proof')
    const proof = await dpopProof(key, { htm: 'POST', htu: 'http://127.0.0.1:4000/token', iat: strict.clock.now })
    const accepted = await strict.send('POST', '/token', { form: { grant_type: 'client_credentials' }, headers: { authorization: `Basic ${Buffer.from('m2m:m2m-secret').toString('base64')}`, dpop: proof } })
    expect(json(accepted).token_type).toBe('DPoP')
  })
})

