/**
 * Catalogue §3 — client authentication (CA). CA-05 and CA-06 (private_key_jwt) are in
 * ja-jwt-client-auth.test.ts with the wave-2 JA cases that replace CA-05's audience rule.
 */
import { describe, expect, it } from 'vitest'
import { Browser } from '../helpers/http-client.js'
import { basicAuth, clientPost, type TestClient } from '../helpers/tessera.js'
import { authorizationFlow, expectTokenError, postForm, redeem, registerClient, securityServerForFile } from './helpers.js'

const server = await securityServerForFile()

/** A token request that fails only if client authentication fails: an unknown code otherwise gives invalid_grant. */
const probe = { grant_type: 'authorization_code', code: 'no-such-code', redirect_uri: 'http://127.0.0.1:5000/cb', code_verifier: 'v'.repeat(43) }

describe('CA client authentication', () => {
  it('CA-01 client_secret_basic and client_secret_post work, also with awkward ids and secrets', async () => {
    const awkwardBasic = await registerClient(server, { id: 'we:ird%2B+/id é', secret: 'se:cr%et+/= &x', method: 'client_secret_basic' })
    const awkwardPost = await registerClient(server, { id: 'po:st%+/id', secret: 'p:a%s+s/=', method: 'client_secret_post' })
    const clients: TestClient[] = [server.clients.conf, server.clients.post, awkwardBasic, awkwardPost]
    for (const client of clients) {
      const flow = await authorizationFlow(server, new Browser(), client)
      const response = await redeem(server, client, flow)
      expect(response.status, client.id).toBe(200)
      expect(((await response.json()) as { access_token?: string }).access_token).toBeTypeOf('string')
    }
    // RFC 6749 §2.3.1: Basic credentials are form-urlencoded before Base64; the raw form fails.
    const raw = `Basic ${Buffer.from(`${awkwardBasic.id}:${awkwardBasic.secret ?? ''}`).toString('base64')}`
    await expectTokenError(await postForm(server, '/token', probe, { authorization: raw }), 'invalid_client')
  })

  it('CA-02 bad credentials are invalid_client with a Basic challenge, identical for unknown clients', async () => {
    const { conf, post } = server.clients
    const wrongBasic = await postForm(server, '/token', probe, { authorization: basicAuth({ ...conf, secret: 'wrong' }) })
    const unknownBasic = await postForm(server, '/token', probe, { authorization: basicAuth({ ...conf, id: 'nope' }) })
    const wrongBody = await postForm(server, '/token', { ...probe, client_id: post.id, client_secret: 'wrong' })
    const unknownBody = await postForm(server, '/token', { ...probe, client_id: 'nope', client_secret: 'wrong' })
    const idOnly = await postForm(server, '/token', { ...probe, client_id: conf.id })
    const unknownIdOnly = await postForm(server, '/token', { ...probe, client_id: 'nope' })

    const bodies = []
    for (const response of [wrongBasic, unknownBasic, wrongBody, unknownBody, idOnly, unknownIdOnly]) {
      const body = await expectTokenError(response, 'invalid_client', 401)
      bodies.push({ body, challenge: response.headers.get('www-authenticate') })
    }
    // No enumeration: unknown client and wrong secret answer byte-for-byte alike.
    expect(bodies[1]).toEqual(bodies[0])
    expect(bodies[3]).toEqual(bodies[2])
    expect(bodies[5]).toEqual(bodies[4])
    expect(bodies[0]?.challenge).toMatch(/^Basic realm=/)
  })

  it('CA-03 only one authentication method per request', async () => {
    const { conf } = server.clients
    const both = await postForm(server, '/token', { ...probe, client_secret: conf.secret ?? '' }, { authorization: basicAuth(conf) })
    await expectTokenError(both, ['invalid_request', 'invalid_client'])
    const mismatchedId = await postForm(server, '/token', { ...probe, client_id: 'other' }, { authorization: basicAuth(conf) })
    await expectTokenError(mismatchedId, ['invalid_request', 'invalid_client'])
  })

  it('CA-04 the registered authentication method is binding; public clients stay public', async () => {
    const { conf, pub } = server.clients
    // conf is registered for client_secret_basic: its correct secret in the body is refused.
    const flow = await authorizationFlow(server, new Browser(), conf)
    const asPost = await postForm(server, '/token', { grant_type: 'authorization_code', code: flow.code ?? '', redirect_uri: flow.redirectUri, code_verifier: flow.verifier, client_id: conf.id, client_secret: conf.secret ?? '' })
    await expectTokenError(asPost, 'invalid_client')
    // conf with only its id: invalid_client.
    const idOnly = await postForm(server, '/token', { grant_type: 'authorization_code', code: flow.code ?? '', redirect_uri: flow.redirectUri, code_verifier: flow.verifier, client_id: conf.id })
    await expectTokenError(idOnly, 'invalid_client')
    // None of these attempts consumed the code: client authentication comes first.
    expect((await redeem(server, conf, flow)).status).toBe(200)

    // pub sending a secret, in the body or as Basic (even an empty one), is not "upgraded".
    const publicFlow = await authorizationFlow(server, new Browser(), pub)
    const grant = { grant_type: 'authorization_code', code: publicFlow.code ?? '', redirect_uri: publicFlow.redirectUri, code_verifier: publicFlow.verifier }
    await expectTokenError(await postForm(server, '/token', { ...grant, client_id: pub.id, client_secret: 'anything' }), 'invalid_client')
    await expectTokenError(await postForm(server, '/token', { ...grant, client_id: pub.id, client_secret: '' }, { authorization: basicAuth({ ...pub, secret: '' }) }), ['invalid_client', 'invalid_request'])
    await expectTokenError(await postForm(server, '/token', grant, { authorization: basicAuth({ ...pub, secret: '' }) }), 'invalid_client')
    await expectTokenError(await postForm(server, '/token', grant, { authorization: basicAuth({ ...pub, secret: 'anything' }) }), 'invalid_client')
    // pub without client_id: nobody to bind the code to.
    await expectTokenError(await postForm(server, '/token', grant), ['invalid_client', 'invalid_request'])
    // PKCE is still enforced for pub (TK-05); then the genuine request succeeds.
    await expectTokenError(await clientPost(server, '/token', pub, { ...grant, code_verifier: 'x'.repeat(43) }), 'invalid_grant')
    const fresh = await authorizationFlow(server, new Browser(), pub)
    expect((await redeem(server, pub, fresh)).status).toBe(200)
  })
})
