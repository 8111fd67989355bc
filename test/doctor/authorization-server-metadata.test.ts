import { describe, expect, it } from 'vitest'
import { evaluateAuthorizationServerMetadata } from '../../src/doctor/authorization-server-metadata.js'
import type { CheckResult } from '../../src/doctor/types.js'

const ISSUER = 'https://as.example.com/tenant'
const URL_8414 = 'https://as.example.com/.well-known/oauth-authorization-server/tenant'
const GOOD = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  jwks_uri: `${ISSUER}/jwks`,
  registration_endpoint: `${ISSUER}/register`,
  response_types_supported: ['code'],
  code_challenge_methods_supported: ['S256'],
  authorization_response_iss_parameter_supported: true,
}

function byId(results: CheckResult[]): Record<string, CheckResult> {
  return Object.fromEntries(results.map((result) => [result.id, result]))
}

describe('evaluateAuthorizationServerMetadata', () => {
  it('passes a correct document', () => {
    const results = evaluateAuthorizationServerMetadata(ISSUER, GOOD, URL_8414)
    expect(results.map((result) => [result.id, result.status])).toEqual([
      ['as.issuer-identifier', 'pass'], ['as.issuer', 'pass'], ['as.endpoints-https', 'pass'], ['as.response-types', 'pass'],
      ['as.pkce-s256', 'pass'], ['as.iss-parameter', 'pass'], ['as.client-onboarding', 'pass'],
    ])
  })

  it('fails each fault with a fix naming the value to set', () => {
    const results = byId(evaluateAuthorizationServerMetadata('http://as.example.com', {
      issuer: 'http://as.example.com/', token_endpoint: 'http://as.example.com/token', response_types_supported: ['token'],
    }, 'http://as.example.com/.well-known/oauth-authorization-server'))
    expect(results['as.issuer-identifier']).toMatchObject({ status: 'fail', message: expect.stringContaining('http on a host that is not loopback') })
    expect(results['as.issuer']).toMatchObject({ status: 'fail', fix: expect.stringContaining('exactly as the server names it: "http://as.example.com/"') })
    expect(results['as.endpoints-https']).toMatchObject({ status: 'fail', fix: 'set token_endpoint to "https://as.example.com/token"' })
    expect(results['as.response-types']).toMatchObject({ status: 'fail', fix: 'add "code" to response_types_supported' })
    expect(results['as.pkce-s256']).toMatchObject({ status: 'fail', message: expect.stringContaining('is missing') })
    expect(results['as.iss-parameter']).toMatchObject({ status: 'warn' })
    expect(results['as.client-onboarding']).toMatchObject({ status: 'warn' })
  })

  it('counts client ID metadata documents as a way in, and plain-only PKCE as a failure', () => {
    const { registration_endpoint: _registration, ...rest } = GOOD
    const results = byId(evaluateAuthorizationServerMetadata(ISSUER, { ...rest, client_id_metadata_document_supported: true, code_challenge_methods_supported: ['plain'] }, URL_8414))
    expect(results['as.client-onboarding']).toMatchObject({ status: 'pass', message: expect.stringContaining('client ID metadata documents') })
    expect(results['as.pkce-s256']).toMatchObject({ status: 'fail', message: expect.stringContaining('plain') })
  })
})
