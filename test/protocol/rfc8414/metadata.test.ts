import { describe, expect, it } from 'vitest'
import {
  InvalidMetadataError,
  metadataUrls,
  oauthMetadataUrl,
  openidConfigurationUrl,
  validateAuthorizationServerMetadata,
} from '../../../src/protocol/rfc8414/metadata.js'

const ISSUER = 'https://as.example.com'

describe('well-known metadata URLs', () => {
  it.each([
    [ISSUER, `${ISSUER}/.well-known/oauth-authorization-server`, `${ISSUER}/.well-known/openid-configuration`],
    [`${ISSUER}/`, `${ISSUER}/.well-known/oauth-authorization-server`, `${ISSUER}/.well-known/openid-configuration`],
    [`${ISSUER}/tenant/one`, `${ISSUER}/.well-known/oauth-authorization-server/tenant/one`, `${ISSUER}/tenant/one/.well-known/openid-configuration`],
    [`${ISSUER}/tenant//`, `${ISSUER}/.well-known/oauth-authorization-server/tenant`, `${ISSUER}/tenant/.well-known/openid-configuration`],
    ['http://127.0.0.1:4000', 'http://127.0.0.1:4000/.well-known/oauth-authorization-server', 'http://127.0.0.1:4000/.well-known/openid-configuration'],
  ])('for %s: RFC 8414 §3.1 inserts the segment, OIDC Discovery §4 appends it', (issuer, oauth, openid) => {
    expect(oauthMetadataUrl(issuer)).toBe(oauth)
    expect(openidConfigurationUrl(issuer)).toBe(openid)
    expect(metadataUrls(issuer)).toEqual([oauth, openid])
  })
})

describe('validateAuthorizationServerMetadata (RFC 8414 §3.3)', () => {
  const document = {
    issuer: ISSUER,
    jwks_uri: `${ISSUER}/jwks`,
    introspection_endpoint: `${ISSUER}/introspect`,
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    token_endpoint: `${ISSUER}/token`,
  }

  it('keeps the members a resource server uses', () => {
    expect(validateAuthorizationServerMetadata(ISSUER, document)).toEqual({
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/jwks`,
      introspection_endpoint: `${ISSUER}/introspect`,
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    })
    expect(validateAuthorizationServerMetadata(ISSUER, { issuer: ISSUER })).toEqual({ issuer: ISSUER })
  })
  it('accepts plain http endpoints on a loopback host only', () => {
    const local = 'http://127.0.0.1:4000'
    expect(validateAuthorizationServerMetadata(local, { issuer: local, jwks_uri: `${local}/jwks` }).jwks_uri).toBe(`${local}/jwks`)
    expect(() => validateAuthorizationServerMetadata(ISSUER, { ...document, jwks_uri: 'http://as.example.com/jwks' })).toThrow(/jwks_uri must be an https URL/)
  })
  it.each([
    ['another issuer', { ...document, issuer: 'https://evil.example.com' }],
    ['the issuer with a trailing slash', { ...document, issuer: `${ISSUER}/` }],
    ['no issuer', { jwks_uri: `${ISSUER}/jwks` }],
    ['a jwks_uri that is not a URL', { ...document, jwks_uri: 'jwks' }],
    ['a jwks_uri that is not a string', { ...document, jwks_uri: 42 }],
    ['an introspection_endpoint over http', { ...document, introspection_endpoint: 'http://as.example.com/introspect' }],
    ['null', null],
    ['an array', [document]],
  ])('refuses a document with %s', (_name, body) => {
    expect(() => validateAuthorizationServerMetadata(ISSUER, body)).toThrow(InvalidMetadataError)
  })
  it('drops id_token_signing_alg_values_supported unless it is an array of strings', () => {
    expect(validateAuthorizationServerMetadata(ISSUER, { issuer: ISSUER, id_token_signing_alg_values_supported: 'RS256' })).toEqual({ issuer: ISSUER })
    expect(validateAuthorizationServerMetadata(ISSUER, { issuer: ISSUER, id_token_signing_alg_values_supported: ['RS256', 1] })).toEqual({ issuer: ISSUER })
  })
})
