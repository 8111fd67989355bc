/**
 * Authorization server metadata (RFC 8414, OIDC Discovery 1.0 §4): one document at both well-known paths,
 * the configured issuer verbatim, every URL and list derived from the registered capabilities.
 */
import { describe, expect, it } from 'vitest'
import { createHarness, ISSUER, json, text } from '../../helpers/server-values.js'

const OIDC_PATH = '/.well-known/openid-configuration'
const OAUTH_PATH = '/.well-known/oauth-authorization-server'

describe('discovery endpoint', () => {
  it('answers the same document at both well-known paths, cacheable for five minutes', async () => {
    const { send, server } = await createHarness()
    const oidc = await send('GET', OIDC_PATH)
    const oauth = await send('GET', OAUTH_PATH)
    expect([oidc.status, oauth.status]).toEqual([200, 200])
    expect(text(oauth)).toBe(text(oidc))
    expect(oidc.headers.get('content-type')).toBe('application/json')
    expect(oidc.headers.get('cache-control')).toBe('public, max-age=300')
    expect(json(oidc)).toEqual(server.metadata())
  })

  it('names the configured issuer exactly and the endpoint URLs below it', async () => {
    const { send } = await createHarness()
    expect(json(await send('GET', OIDC_PATH))).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      jwks_uri: `${ISSUER}/jwks`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      revocation_endpoint: `${ISSUER}/revoke`,
      introspection_endpoint: `${ISSUER}/introspect`,
      end_session_endpoint: `${ISSUER}/logout`,
    })
  })

  it('never builds the issuer from the request host (RFC 8414 §3.3)', async () => {
    const { send } = await createHarness()
    const response = await send('GET', `http://evil.example${OIDC_PATH}`, { headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } })
    expect(response.status).toBe(200)
    expect(text(response)).not.toContain('evil.example')
    expect(json(response).issuer).toBe(ISSUER)
  })

  it('lists what the core capabilities support', async () => {
    const { send } = await createHarness()
    expect(json(await send('GET', OAUTH_PATH))).toMatchObject({
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt', 'client_secret_jwt'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt', 'client_secret_jwt'],
      // RFC 7662 §2.1: no public clients at introspection.
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'HS256', 'HS384', 'HS512'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      scopes_supported: ['openid', 'profile', 'email', 'offline_access', 'notes:read', 'notes:write', 'reports:read'],
      resource_indicators_supported: true,
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    })
  })

  it('supports resource indicators even when no API is configured (one may be stored at any time)', async () => {
    const { send } = await createHarness({ resources: [] })
    const metadata = json(await send('GET', OIDC_PATH))
    expect(metadata.resource_indicators_supported).toBe(true)
    expect(metadata.scopes_supported).toEqual(['openid', 'profile', 'email', 'offline_access'])
  })

  it('serves the document below an issuer with a path, and nothing outside it', async () => {
    const issuer = `${ISSUER}/tenant-a`
    const { send } = await createHarness({ issuer })
    const response = await send('GET', `/tenant-a${OIDC_PATH}`)
    expect(response.status).toBe(200)
    expect(json(response)).toMatchObject({ issuer, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` })
    expect((await send('GET', OIDC_PATH)).status).toBe(404)
  })

  it('allows HEAD', async () => {
    const { send } = await createHarness()
    for (const path of [OIDC_PATH, OAUTH_PATH]) {
      const response = await send('HEAD', path)
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('public, max-age=300')
    }
  })

  it('answers POST with 405 and Allow: GET', async () => {
    const { send } = await createHarness()
    for (const path of [OIDC_PATH, OAUTH_PATH]) {
      const response = await send('POST', path, { form: {} })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('GET')
      expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'Method not allowed' })
    }
  })
})
