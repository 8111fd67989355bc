/**
 * The `refresh_token` grant (RFC 6749 §6): rotation on every use, and a rotated token that comes back
 * revokes its whole family (RFC 9700 §4.14.2); the token is bound to its client and to the scopes of the
 * original grant; the family's absolute expiry survives rotation.
 */
import { describe, expect, it } from 'vitest'
import { createHarness, json, START, type Harness, type TokenSet } from '../../helpers/server-values.js'

const INVALID = 'The refresh token is invalid, expired or revoked'

function refresh(harness: Harness, refreshToken: string, extra: Record<string, string> = {}) {
  return harness.post('/token', 'app', { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra })
}

async function active(harness: Harness, token: string): Promise<boolean> {
  return json(await harness.post('/introspect', 'app', { token })).active === true
}

describe('refresh_token grant', () => {
  it('rotates: a new refresh token and access token each time, the old refresh token used up', async () => {
    const harness = await createHarness()
    const first = await harness.tokens()
    const response = await refresh(harness, first.refresh_token ?? '')
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const second = json(response) as unknown as TokenSet
    expect(second).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid offline_access notes:read', id_token: expect.any(String) })
    expect(second.refresh_token).toMatch(/^[\w-]{43}$/)
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect(second.access_token).not.toBe(first.access_token)
    expect(await active(harness, first.refresh_token ?? '')).toBe(false)
    expect(await active(harness, second.refresh_token ?? '')).toBe(true)
  })

  it('takes a rotated token coming back as theft: invalid_grant and the whole family revoked', async () => {
    const harness = await createHarness()
    const first = await harness.tokens()
    const second = json(await refresh(harness, first.refresh_token ?? '')) as unknown as TokenSet
    const reused = await refresh(harness, first.refresh_token ?? '')
    expect(reused.status).toBe(400)
    expect(json(reused)).toEqual({ error: 'invalid_grant', error_description: INVALID })
    // The legitimate holder's newer tokens end with it.
    expect(json(await refresh(harness, second.refresh_token ?? ''))).toEqual({ error: 'invalid_grant', error_description: INVALID })
    expect(await active(harness, second.access_token)).toBe(false)
    expect(await active(harness, first.access_token)).toBe(false)
    await harness.server.audit.flush()
    expect(await harness.store.audit.list({ type: 'refresh_token.reused', limit: 10 })).toMatchObject([{ client_id: 'app', subject: harness.alice.id }])
  })

  it('binds the token to its client: another client gets invalid_grant and the family stays alive', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    const stolen = await harness.post('/token', 'other', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })
    expect(json(stolen)).toEqual({ error: 'invalid_grant', error_description: INVALID })
    expect((await refresh(harness, tokens.refresh_token ?? '')).status).toBe(200)
  })

  it('narrows the scope on request, and never widens it beyond the original grant', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    const narrowed = json(await refresh(harness, tokens.refresh_token ?? '', { scope: 'notes:read' }))
    expect(narrowed).toMatchObject({ scope: 'notes:read' })
    // A non-OpenID request: no ID token.
    expect(narrowed).not.toHaveProperty('id_token')
    // The family keeps the original scopes: a later refresh may ask for them again.
    const restored = json(await refresh(harness, String(narrowed.refresh_token)))
    expect(restored.scope).toBe('openid offline_access notes:read')
    const widened = await refresh(harness, String(restored.refresh_token), { scope: 'notes:read notes:write' })
    expect(widened.status).toBe(400)
    expect(json(widened)).toEqual({ error: 'invalid_scope', error_description: 'The requested scope exceeds the original grant' })
  })

  it('keeps the family\'s absolute expiry across rotations and refuses the token after it', async () => {
    const harness = await createHarness()
    const family = START + 30 * 24 * 3600
    let token = (await harness.tokens()).refresh_token ?? ''
    harness.clock.now = START + 10 * 24 * 3600
    token = String(json(await refresh(harness, token)).refresh_token)
    expect(json(await harness.post('/introspect', 'app', { token }))).toMatchObject({ active: true, exp: family })
    harness.clock.now = family
    expect(json(await refresh(harness, token))).toEqual({ error: 'invalid_grant', error_description: INVALID })
  })

  it('ends with the user: a deleted user\'s token is invalid_grant', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    await harness.store.users.delete(harness.alice.id)
    expect(json(await refresh(harness, tokens.refresh_token ?? '')).error).toBe('invalid_grant')
  })

  it('answers an unknown token with invalid_grant and a missing one with invalid_request', async () => {
    const harness = await createHarness()
    expect(json(await refresh(harness, 'never-issued'))).toEqual({ error: 'invalid_grant', error_description: INVALID })
    const missing = await harness.post('/token', 'app', { grant_type: 'refresh_token' })
    expect(missing.status).toBe(400)
    expect(json(missing)).toEqual({ error: 'invalid_request', error_description: 'Missing parameter refresh_token' })
  })

  it('rotates a public client\'s refresh token too', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens({ client: 'pub' })
    const response = await harness.post('/token', 'pub', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })
    expect(response.status).toBe(200)
    expect(json(response).refresh_token).not.toBe(tokens.refresh_token)
  })
})

describe('refresh_token grant, narrowing away from offline_access', () => {
  it('is invalid_scope, and the refresh token stays usable (a rotation without a successor would end the grant)', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    const narrowed = await refresh(harness, tokens.refresh_token ?? '', { scope: 'openid notes:read' })
    expect(narrowed.status).toBe(400)
    expect(json(narrowed)).toEqual({ error: 'invalid_scope', error_description: 'The refreshed scope must keep offline_access, or no refresh token could be issued' })
    expect((await refresh(harness, tokens.refresh_token ?? '', { scope: 'openid offline_access' })).status).toBe(200)
  })
})
