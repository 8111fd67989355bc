import { describe, expect, it } from 'vitest'
import { insecureEndpoints, isHttpsOrLoopbackUrl, issuerIdentifierProblems, issuerMatches, pkceSupport } from '../../../src/protocol/rfc8414/metadata-rules.js'

describe('RFC 8414 metadata rules', () => {
  it('§3.3: the issuer must be identical, not equivalent', () => {
    expect(issuerMatches('https://as.example.com', { issuer: 'https://as.example.com' })).toBe(true)
    for (const issuer of ['https://as.example.com/', 'https://AS.example.com', 'https://as.example.com:443', undefined]) {
      expect(issuerMatches('https://as.example.com', { issuer }), String(issuer)).toBe(false)
    }
  })

  it('§2: the issuer is https without query or fragment (http on loopback only)', () => {
    expect(issuerIdentifierProblems('https://as.example.com/tenant')).toEqual([])
    expect(issuerIdentifierProblems('http://localhost:4000')).toEqual([])
    expect(issuerIdentifierProblems('http://[::1]:4000')).toEqual([])
    expect(issuerIdentifierProblems('http://as.example.com?x=1#f')).toEqual(['uses http on a host that is not loopback', 'has a query component', 'has a fragment component'])
    expect(issuerIdentifierProblems('nope')).toEqual(['is not a URL'])
  })

  it('§2: every endpoint and jwks_uri is https, http only on loopback', () => {
    expect(isHttpsOrLoopbackUrl('http://127.0.0.5/x')).toBe(true)
    expect(isHttpsOrLoopbackUrl('http://10.0.0.1/x')).toBe(false)
    expect(insecureEndpoints({
      issuer: 'http://as.example.com',
      authorization_endpoint: 'https://as.example.com/authorize',
      token_endpoint: 'http://as.example.com/token',
      jwks_uri: 'http://localhost/jwks',
      registration_endpoint: 'ftp://as.example.com/register',
      service_documentation: 'http://docs.example.com',
    })).toEqual([{ member: 'token_endpoint', value: 'http://as.example.com/token' }, { member: 'registration_endpoint', value: 'ftp://as.example.com/register' }])
  })

  it('RFC 7636 §4.2: S256 listed, plain only, missing, or something else', () => {
    expect(pkceSupport({ code_challenge_methods_supported: ['plain', 'S256'] })).toBe('s256')
    expect(pkceSupport({ code_challenge_methods_supported: ['plain'] })).toBe('plain-only')
    expect(pkceSupport({})).toBe('absent')
    expect(pkceSupport({ code_challenge_methods_supported: [] })).toBe('no-s256')
    expect(pkceSupport({ code_challenge_methods_supported: 'S256' })).toBe('no-s256')
  })
})
