/**
 * Token revocation (RFC 7009): a client ends its own tokens; a refresh token takes its grant with it;
 * unknown tokens and other clients' tokens get the same 200 and stay as they were (§2.2).
 */
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/crypto/random.js'
import { basic, createHarness, ISSUER, json, START, type Harness } from '../../helpers/server-values.js'

async function active(harness: Harness, token: string): Promise<boolean> {
  return json(await harness.post('/introspect', 'app', { token })).active === true
}

describe('revocation endpoint', () => {
  it('answers 200 without a body for a token it does not know (RFC 7009 §2.2)', async () => {
    const { post } = await createHarness()
    const response = await post('/revoke', 'app', { token: 'never-issued' })
    expect(response.status).toBe(200)
    expect(response.body).toBeUndefined()
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('revokes a refresh token with its whole grant: the refresh token and the access tokens issued from it end', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    const refreshToken = tokens.refresh_token ?? ''
    expect(await active(harness, tokens.access_token)).toBe(true)
    expect((await harness.post('/revoke', 'app', { token: refreshToken, token_type_hint: 'refresh_token' })).status).toBe(200)
    expect(await active(harness, refreshToken)).toBe(false)
    expect(await active(harness, tokens.access_token)).toBe(false)
    const refreshed = await harness.post('/token', 'app', { grant_type: 'refresh_token', refresh_token: refreshToken })
    expect(json(refreshed)).toMatchObject({ error: 'invalid_grant' })
  })

  it('revokes a JWT access token alone: its refresh token keeps working', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    expect((await harness.post('/revoke', 'app', { token: tokens.access_token })).status).toBe(200)
    expect(await active(harness, tokens.access_token)).toBe(false)
    expect(await active(harness, tokens.refresh_token ?? '')).toBe(true)
  })

  it('takes the token type hint as a hint only (RFC 7009 §2.1)', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    expect((await harness.post('/revoke', 'app', { token: tokens.refresh_token ?? '', token_type_hint: 'access_token' })).status).toBe(200)
    expect(await active(harness, tokens.refresh_token ?? '')).toBe(false)
  })

  it('answers another client 200 and leaves the token untouched', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    for (const token of [tokens.access_token, tokens.refresh_token ?? '']) {
      const response = await harness.post('/revoke', 'other', { token })
      expect(response.status).toBe(200)
      expect(response.body).toBeUndefined()
      expect(await active(harness, token)).toBe(true)
    }
    expect((await harness.post('/token', 'app', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })).status).toBe(200)
  })

  it('lets a public client revoke its own refresh token', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens({ client: 'pub' })
    expect((await harness.post('/revoke', 'pub', { token: tokens.refresh_token ?? '' })).status).toBe(200)
    const refreshed = await harness.post('/token', 'pub', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })
    expect(json(refreshed).error).toBe('invalid_grant')
  })

  it('deletes an opaque access token from the store', async () => {
    const harness = await createHarness({ accessTokenFormat: 'opaque' })
    const tokens = await harness.tokens()
    expect(await harness.store.accessTokens.find(sha256(tokens.access_token), START)).toBeDefined()
    expect((await harness.post('/revoke', 'app', { token: tokens.access_token })).status).toBe(200)
    expect(await harness.store.accessTokens.find(sha256(tokens.access_token), START)).toBeUndefined()
  })

  it('records the revocation in the audit trail, with ids and never the token', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    await harness.post('/revoke', 'app', { token: tokens.refresh_token ?? '' })
    await harness.server.audit.flush()
    const records = await harness.store.audit.list({ type: 'token.revoked', limit: 10 })
    expect(records).toMatchObject([{ client_id: 'app', subject: harness.alice.id, details: { token_type: 'refresh_token', grant_id: expect.any(String), jti: null } }])
    expect(JSON.stringify(records)).not.toContain(tokens.refresh_token)
  })

  it('needs the token parameter', async () => {
    const { post } = await createHarness()
    const response = await post('/revoke', 'app', { token_type_hint: 'refresh_token' })
    expect(response.status).toBe(400)
    expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'Missing parameter token' })
  })

  it('answers a failed client authentication with 401 invalid_client and a Basic challenge', async () => {
    const { send } = await createHarness()
    const response = await send('POST', '/revoke', { form: { token: 'x' }, headers: { authorization: basic('app', 'wrong') } })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${ISSUER}"`)
    expect(json(response)).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' })
  })

  it('answers GET with 405 and Allow: POST', async () => {
    const { send } = await createHarness()
    const response = await send('GET', '/revoke?token=x')
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
    expect(json(response).error).toBe('invalid_request')
  })
})
