/**
 * The `client_credentials` grant (RFC 6749 §4.4): confidential clients only, API scopes they are allowed
 * (never OpenID ones), an audience from the scopes or the `resource` asked for (RFC 8707), and no refresh
 * or ID token (§4.4.3).
 */
import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/crypto/random.js'
import { createHarness, ISSUER, json, NOTES_API, REPORTS_API, START } from '../../helpers/server-values.js'

describe('client_credentials grant', () => {
  it('issues an access token for every API scope of the client when none is asked for, and nothing else', async () => {
    const { post } = await createHarness()
    const response = await post('/token', 'm2m', { grant_type: 'client_credentials' })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = json(response)
    // `openid` is among m2m's scopes, but there is no user: OIDC scopes never reach this token.
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'notes:read notes:write reports:read' })
    expect(decodeJwt(String(body.access_token))).toMatchObject({
      iss: ISSUER, sub: 'm2m', client_id: 'm2m', aud: [NOTES_API, REPORTS_API], scope: 'notes:read notes:write reports:read', iat: START, exp: START + 3600,
    })
  })

  it('issues the scopes asked for, with the audience of their API', async () => {
    const { post } = await createHarness()
    const body = json(await post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' }))
    expect(body.scope).toBe('notes:read')
    expect(decodeJwt(String(body.access_token))).toMatchObject({ aud: NOTES_API, scope: 'notes:read' })
  })

  it('gives the token the resource asked for as its audience (RFC 8707 §2)', async () => {
    const { post } = await createHarness()
    // Without it this client's token is for both APIs (first test).
    const body = json(await post('/token', 'm2m', { grant_type: 'client_credentials', resource: REPORTS_API }))
    expect(decodeJwt(String(body.access_token)).aud).toBe(REPORTS_API)
  })

  it('answers an unknown resource with invalid_target', async () => {
    const { post } = await createHarness()
    const response = await post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read', resource: 'https://elsewhere.example/api' })
    expect(response.status).toBe(400)
    expect(json(response)).toEqual({ error: 'invalid_target', error_description: 'The requested resource was not authorized for this grant' })
  })

  it('answers a scope the client may not have, or an OpenID scope, with invalid_scope', async () => {
    const { post } = await createHarness()
    for (const scope of ['admin', 'notes:read admin', 'openid', 'offline_access']) {
      const response = await post('/token', 'm2m', { grant_type: 'client_credentials', scope })
      expect(response.status).toBe(400)
      expect(json(response)).toEqual({ error: 'invalid_scope', error_description: 'The requested scope is not allowed for this client' })
    }
  })

  it('refuses a public client even if its record says it may use the grant (RFC 6749 §4.4)', async () => {
    const harness = await createHarness()
    // createClient refuses this registration; a record written to the store by other means must not work either.
    await harness.store.clients.create({
      client_id: 'pub-m2m', client_secret_hash: null, client_name: 'Public job', redirect_uris: [], post_logout_redirect_uris: [],
      grant_types: ['client_credentials'], scopes: ['notes:read'], token_endpoint_auth_method: 'none', id_token_signed_response_alg: 'RS256',
      skip_consent: false, created_at: START, application_type: 'web', client_uri: null, logo_uri: null, policy_uri: null, tos_uri: null,
      contacts: [], registered_by: 'operator', registration_access_token_hash: null, expires_at: null, client_secret_expires_at: null, disabled: false,
      jwks: null, jwks_uri: null, token_endpoint_auth_signing_alg: null, client_secret_sealed: null, require_pushed_authorization_requests: false, dpop_bound_access_tokens: false, request_object_signing_alg: null, require_signed_request_object: false,
    })
    const response = await harness.send('POST', '/token', { form: { grant_type: 'client_credentials', client_id: 'pub-m2m' } })
    expect(response.status).toBe(400)
    expect(json(response)).toEqual({ error: 'unauthorized_client', error_description: 'Public clients cannot use client credentials' })
  })

  it('stores an opaque token with no user', async () => {
    const harness = await createHarness({ accessTokenFormat: 'opaque' })
    const body = json(await harness.post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' }))
    expect(await harness.store.accessTokens.find(sha256(String(body.access_token)), START)).toMatchObject({
      client_id: 'm2m', subject: 'm2m', user_id: null, grant_id: null, scopes: ['notes:read'], audience: [NOTES_API], expires_at: START + 3600,
    })
  })

  it('records the issue in the audit trail with the client as subject', async () => {
    const harness = await createHarness()
    const body = json(await harness.post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' }))
    await harness.server.audit.flush()
    expect(await harness.store.audit.list({ type: 'token.issued', limit: 10 })).toMatchObject([{
      client_id: 'm2m', subject: 'm2m',
      details: { grant_type: 'client_credentials', scopes: ['notes:read'], grant_id: null, jti: decodeJwt(String(body.access_token)).jti, refresh_token_issued: false, id_token_issued: false },
    }])
  })
})
