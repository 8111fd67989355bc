/**
 * Token introspection (RFC 7662): only confidential clients ask, and a client learns about its own tokens
 * only; anything else is `{"active": false}`, indistinguishable from an unknown token.
 */
import { describe, expect, it } from 'vitest'
import { basic, createHarness, ISSUER, json, NOTES_API, START } from '../../helpers/server-values.js'

const INACTIVE = { active: false }

describe('introspection endpoint', () => {
  it('describes an active access token of the asking client (RFC 7662 §2.2)', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    const response = await harness.post('/introspect', 'app', { token: tokens.access_token })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(json(response)).toEqual({
      active: true, token_type: 'Bearer', scope: 'openid offline_access notes:read', client_id: 'app', sub: harness.alice.id,
      aud: NOTES_API, iss: ISSUER, exp: START + 3600, iat: START, jti: expect.stringMatching(/^[\w-]+\.[\w-]+$/),
    })
  })

  it('describes a refresh token with its family expiry', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    expect(json(await harness.post('/introspect', 'app', { token: tokens.refresh_token ?? '', token_type_hint: 'refresh_token' }))).toEqual({
      active: true, token_type: 'refresh_token', scope: 'openid offline_access notes:read', client_id: 'app', sub: harness.alice.id,
      aud: [NOTES_API], iss: ISSUER, exp: START + 30 * 24 * 3600, iat: START,
    })
  })

  it('describes an opaque access token with the same members as a JWT', async () => {
    const harness = await createHarness({ accessTokenFormat: 'opaque' })
    const tokens = await harness.tokens()
    expect(tokens.access_token).not.toContain('.')
    expect(json(await harness.post('/introspect', 'app', { token: tokens.access_token }))).toEqual({
      active: true, token_type: 'Bearer', scope: 'openid offline_access notes:read', client_id: 'app', sub: harness.alice.id,
      aud: NOTES_API, iss: ISSUER, exp: START + 3600, iat: START, jti: expect.any(String),
    })
  })

  it('answers inactive for another client\'s tokens, exactly as for an unknown one', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    for (const token of [tokens.access_token, tokens.refresh_token ?? '', 'never-issued']) {
      const response = await harness.post('/introspect', 'other', { token })
      expect(response.status).toBe(200)
      expect(json(response)).toEqual(INACTIVE)
    }
  })

  it('answers inactive once the token has expired', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    harness.clock.now = START + 3600
    expect(json(await harness.post('/introspect', 'app', { token: tokens.access_token }))).toEqual(INACTIVE)
    expect(json(await harness.post('/introspect', 'app', { token: tokens.refresh_token ?? '' })).active).toBe(true)
  })

  it('answers inactive for a used (rotated) refresh token', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    expect((await harness.post('/token', 'app', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })).status).toBe(200)
    expect(json(await harness.post('/introspect', 'app', { token: tokens.refresh_token ?? '' }))).toEqual(INACTIVE)
  })

  it('describes a client-credentials token with the client as subject', async () => {
    const harness = await createHarness()
    const issued = json(await harness.post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' }))
    expect(json(await harness.post('/introspect', 'm2m', { token: String(issued.access_token) }))).toMatchObject({
      active: true, client_id: 'm2m', sub: 'm2m', scope: 'notes:read', aud: NOTES_API,
    })
  })

  it('refuses a public client with 401 invalid_client (RFC 7662 §2.1)', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens({ client: 'pub' })
    const response = await harness.post('/introspect', 'pub', { token: tokens.access_token })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${ISSUER}"`)
    expect(json(response)).toEqual({ error: 'invalid_client', error_description: 'Public clients cannot introspect tokens' })
  })

  it('answers a failed client authentication with 401 invalid_client', async () => {
    const { send } = await createHarness()
    const response = await send('POST', '/introspect', { form: { token: 'x' }, headers: { authorization: basic('app', 'wrong') } })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${ISSUER}"`)
    expect(json(response)).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' })
  })

  it('needs the token parameter, and POST', async () => {
    const { post, send } = await createHarness()
    const missing = await post('/introspect', 'app', {})
    expect(missing.status).toBe(400)
    expect(json(missing)).toEqual({ error: 'invalid_request', error_description: 'Missing parameter token' })
    const get = await send('GET', '/introspect?token=x')
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
  })

  it('slows a client that keeps asking about dead tokens (catalogue RL-03)', async () => {
    const { post } = await createHarness({ clientLimits: { inactiveIntrospectionsPerClient: 2 } })
    for (let n = 0; n < 2; n++) expect(json(await post('/introspect', 'app', { token: `dead-${n}` }))).toEqual(INACTIVE)
    const refused = await post('/introspect', 'app', { token: 'dead-3' })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)
    expect(json(refused).error).toBe('temporarily_unavailable')
  })
})
