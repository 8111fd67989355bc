/**
 * The UserInfo endpoint (OIDC Core §5.3) behind RFC 6750: the token in the header or the form body, never
 * the query; every refusal carries a `WWW-Authenticate: Bearer` challenge (§3); claims limited to the
 * scopes granted with the token.
 */
import { describe, expect, it } from 'vitest'
import { createHarness, ISSUER, json, START } from '../../helpers/server-values.js'

/** RFC 9449 §7.1: the DPoP challenge every userinfo challenge carries beside the Bearer one. */
const DPOP_CHALLENGE = 'DPoP realm="http://127.0.0.1:4000", algs="ES256 EdDSA PS256 RS256"'
const REALM = `realm="${ISSUER}"`
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

describe('userinfo endpoint', () => {
  it('answers a request without a token with 401, a bare challenge and no error code (RFC 6750 §3.1)', async () => {
    const { send } = await createHarness()
    const response = await send('GET', '/userinfo')
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(`Bearer ${REALM}, ${DPOP_CHALLENGE}`)
    expect(response.body).toBeUndefined()
  })

  it('takes a token in the query as no token at all (RFC 9700 §4.3.2)', async () => {
    const harness = await createHarness()
    const { access_token: token } = await harness.tokens()
    const response = await harness.send('GET', `/userinfo?access_token=${token}`)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(`Bearer ${REALM}, ${DPOP_CHALLENGE}`)
  })

  it('answers the sub alone for a token granted only openid', async () => {
    const harness = await createHarness()
    const { access_token: token } = await harness.tokens({ scope: 'openid notes:read' })
    const response = await harness.send('GET', '/userinfo', bearer(token))
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(json(response)).toEqual({ sub: harness.alice.id })
  })

  it('adds the claims of the profile and email scopes', async () => {
    const harness = await createHarness()
    const { access_token: token } = await harness.tokens({ scope: 'openid profile email' })
    expect(json(await harness.send('GET', '/userinfo', bearer(token)))).toEqual({
      sub: harness.alice.id, name: 'Alice Liddell', preferred_username: 'alice', updated_at: START, email: 'alice@example.com', email_verified: true,
    })
  })

  it('accepts POST with the token in the form body (RFC 6750 §2.2)', async () => {
    const harness = await createHarness()
    const { access_token: token } = await harness.tokens()
    const response = await harness.send('POST', '/userinfo', { form: { access_token: token } })
    expect(response.status).toBe(200)
    expect(json(response)).toEqual({ sub: harness.alice.id })
  })

  it('refuses a token sent two ways with 400 invalid_request', async () => {
    const harness = await createHarness()
    const { access_token: token } = await harness.tokens()
    const response = await harness.send('POST', '/userinfo', { form: { access_token: token }, ...bearer(token) })
    expect(response.status).toBe(400)
    expect(response.headers.get('www-authenticate')).toBe(`Bearer ${REALM}, error="invalid_request", error_description="Use exactly one method to send the access token", ${DPOP_CHALLENGE}`)
    expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'Use exactly one method to send the access token' })
  })

  it('refuses another authorization scheme with 400 invalid_request', async () => {
    const { send } = await createHarness()
    const response = await send('GET', '/userinfo', { headers: { authorization: 'Basic YXBwOmFwcC1zZWNyZXQ=' } })
    expect(response.status).toBe(400)
    expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'Unsupported authorization scheme' })
  })

  it('answers an unknown, expired or revoked token with 401 invalid_token and its challenge', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    const unknown = await harness.send('GET', '/userinfo', bearer('eyJhbGciOiJFUzI1NiJ9.e30.c2ln'))
    expect(unknown.status).toBe(401)
    expect(unknown.headers.get('www-authenticate')).toBe(`Bearer ${REALM}, error="invalid_token", error_description="The access token is invalid or expired", ${DPOP_CHALLENGE}`)
    expect(json(unknown)).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid or expired' })

    harness.clock.now = START + 3600
    expect(json(await harness.send('GET', '/userinfo', bearer(tokens.access_token))).error).toBe('invalid_token')
    harness.clock.now = START

    await harness.post('/revoke', 'app', { token: tokens.refresh_token ?? '' })
    const revoked = await harness.send('GET', '/userinfo', bearer(tokens.access_token))
    expect(revoked.status).toBe(401)
    expect(json(revoked)).toEqual({ error: 'invalid_token', error_description: 'The access token has been revoked' })
  })

  it('answers a token without the openid scope with 403 insufficient_scope and scope="openid"', async () => {
    const harness = await createHarness()
    const issued = json(await harness.post('/token', 'm2m', { grant_type: 'client_credentials' }))
    const response = await harness.send('GET', '/userinfo', bearer(String(issued.access_token)))
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toBe(`Bearer ${REALM}, error="insufficient_scope", error_description="The token was not granted the openid scope", scope="openid", ${DPOP_CHALLENGE}`)
    expect(json(response).error).toBe('insufficient_scope')
  })

  it('answers 401 invalid_token once the user is deleted', async () => {
    const harness = await createHarness()
    const { access_token: token } = await harness.tokens()
    await harness.store.users.delete(harness.alice.id)
    const response = await harness.send('GET', '/userinfo', bearer(token))
    expect(response.status).toBe(401)
    expect(json(response).error).toBe('invalid_token')
  })

  it('answers other methods with 405 and Allow: GET, POST', async () => {
    const { send } = await createHarness()
    const response = await send('PUT', '/userinfo')
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, POST')
  })
})
