import { describe, expect, it } from 'vitest'
import { OAuthError } from '../../../src/errors.js'
import { isLoopbackRedirect, redirectUriProblemFor, validateClientMetadata, type RegistrationRules } from '../../../src/protocol/rfc7591/client-metadata.js'

const RULES: RegistrationRules = {
  grantTypes: new Map([
    ['authorization_code', { usesRedirectUri: true }],
    ['refresh_token', {}],
    ['client_credentials', { confidentialOnly: true }],
  ]),
  authMethods: new Map([['client_secret_basic', { confidential: true }], ['client_secret_post', { confidential: true }], ['none', { confidential: false }]]),
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  signingAlgorithms: ['RS256', 'ES256'],
}

function errorOf(input: unknown): string | undefined {
  try {
    validateClientMetadata(input, RULES)
    return undefined
  } catch (error) {
    if (error instanceof OAuthError) return error.error
    throw error
  }
}

describe('validateClientMetadata (RFC 7591 §2, OIDC Registration §2)', () => {
  it('applies RFC 7591 §2 defaults: client_secret_basic, authorization_code, code, every allowed scope, RS256', () => {
    const metadata = validateClientMetadata({ redirect_uris: ['https://app.example/cb'] }, RULES)
    expect(metadata).toMatchObject({
      token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'], response_types: ['code'],
      scopes: RULES.scopes, id_token_signed_response_alg: 'RS256', application_type: 'web', client_name: null, contacts: [],
    })
  })

  it('takes a registration without application_type whose redirect URIs are all loopback as native', () => {
    expect(validateClientMetadata({ redirect_uris: ['http://127.0.0.1:33418/cb', 'http://[::1]:33418/cb'], token_endpoint_auth_method: 'none' }, RULES).application_type).toBe('native')
    expect(errorOf({ redirect_uris: ['http://127.0.0.1/cb', 'https://app.example/cb'] })).toBe('invalid_redirect_uri')
  })

  it('refuses a declared native client with a secret (RFC 8252 §8.5), a public client with client credentials (RFC 6749 §4.4)', () => {
    expect(errorOf({ application_type: 'native', redirect_uris: ['http://127.0.0.1/cb'] })).toBe('invalid_client_metadata')
    expect(errorOf({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' })).toBe('invalid_client_metadata')
    expect(validateClientMetadata({ grant_types: ['client_credentials'] }, RULES)).toMatchObject({ redirect_uris: [], response_types: [] })
  })

  it('keeps response and grant types consistent (RFC 7591 §2.1)', () => {
    expect(errorOf({ redirect_uris: ['https://a.example/cb'], response_types: [] })).toBe('invalid_client_metadata')
    expect(errorOf({ grant_types: ['client_credentials'], response_types: ['code'] })).toBe('invalid_client_metadata')
  })

  it('limits scopes to the allowed set and validates names, contacts and display URIs', () => {
    const base = { redirect_uris: ['https://a.example/cb'] }
    expect(errorOf({ ...base, scope: 'openid admin' })).toBe('invalid_client_metadata')
    expect(errorOf({ ...base, client_name: 'Evil\u202eppA' })).toBe('invalid_client_metadata')
    expect(errorOf({ ...base, contacts: ['not an address'] })).toBe('invalid_client_metadata')
    expect(errorOf({ ...base, tos_uri: 'https://user:pw@a.example/tos' })).toBe('invalid_client_metadata')
    expect(errorOf({ ...base, redirect_uris: 'https://a.example/cb' })).toBe('invalid_redirect_uri')
    expect(errorOf([])).toBe('invalid_client_metadata')
    const metadata = validateClientMetadata({ ...base, client_name: '  Notes  ', contacts: ['ops@a.example'], policy_uri: 'https://A.example/policy', software_statement: 'x.y.z', unknown_member: 1 }, RULES)
    expect(metadata).toMatchObject({ client_name: 'Notes', contacts: ['ops@a.example'], policy_uri: 'https://a.example/policy' })
  })

  it('applies the application_type redirect rules', () => {
    expect(redirectUriProblemFor('web', 'https://a.example/cb')).toBeUndefined()
    expect(redirectUriProblemFor('web', 'http://localhost/cb')).toBeDefined()
    expect(redirectUriProblemFor('web', 'https://localhost/cb')).toBeDefined()
    expect(redirectUriProblemFor('native', 'com.example.app:/cb')).toBeUndefined()
    expect(redirectUriProblemFor('native', 'myapp:/cb')).toBeDefined()
    expect(redirectUriProblemFor('native', 'http://127.0.0.1:8080/cb')).toBeUndefined()
    expect(isLoopbackRedirect('http://localhost.evil.test/cb')).toBe(false)
    expect(isLoopbackRedirect('https://127.0.0.1/cb')).toBe(false)
  })
})

describe('request object metadata (RFC 9101 §10.5, OIDC Registration §2)', () => {
  it('keeps require_signed_request_object and an allow-listed request_object_signing_alg; defaults are false and null', () => {
    expect(validateClientMetadata({ redirect_uris: ['https://app.example/cb'] }, RULES)).toMatchObject({ require_signed_request_object: false, request_object_signing_alg: null })
    expect(validateClientMetadata({ redirect_uris: ['https://app.example/cb'], require_signed_request_object: true, request_object_signing_alg: 'PS256' }, RULES))
      .toMatchObject({ require_signed_request_object: true, request_object_signing_alg: 'PS256' })
  })
  it.each(['none', 'HS256', 'RS384'])('refuses request_object_signing_alg %s', (alg) => {
    expect(errorOf({ redirect_uris: ['https://app.example/cb'], request_object_signing_alg: alg })).toBe('invalid_client_metadata')
  })
  it('refuses a non-boolean require_signed_request_object', () => {
    expect(errorOf({ redirect_uris: ['https://app.example/cb'], require_signed_request_object: 'yes' })).toBe('invalid_client_metadata')
  })
})
