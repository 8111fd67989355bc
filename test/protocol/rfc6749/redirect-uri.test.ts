import { describe, expect, it } from 'vitest'
import { AUTHORIZATION_RESPONSE_PARAMETERS, isLoopbackHost, validateRedirectUriForRegistration, withQueryParameters } from '../../../src/protocol/rfc6749/redirect-uri.js'

describe('validateRedirectUriForRegistration', () => {
  it('accepts https, loopback http and private-use schemes, with a query of their own', () => {
    for (const uri of ['https://app.example/cb', 'https://app.example/cb?tenant=7', 'http://127.0.0.1:8080/cb', 'http://localhost/cb', 'http://[::1]:9000/cb', 'com.example.app:/oauth2redirect']) {
      expect(validateRedirectUriForRegistration(uri), uri).toBeUndefined()
    }
  })

  it('refuses fragments, user info, wildcards, browser-executed schemes and plain http elsewhere (RFC 6749 §3.1.2, RFC 9700 §2.6)', () => {
    expect(validateRedirectUriForRegistration('https://app.example/cb#x')).toMatch(/fragment/)
    expect(validateRedirectUriForRegistration('https://app.example/cb#')).toMatch(/fragment/)
    expect(validateRedirectUriForRegistration('https://user:pw@app.example/cb')).toMatch(/user information/)
    expect(validateRedirectUriForRegistration('https://*.app.example/cb')).toMatch(/wildcards/)
    expect(validateRedirectUriForRegistration('javascript:alert(1)')).toMatch(/forbidden scheme/)
    expect(validateRedirectUriForRegistration('http://app.example/cb')).toMatch(/https/)
    expect(validateRedirectUriForRegistration('/relative')).toMatch(/absolute/)
  })

  it('refuses a query parameter that the authorization response adds, so a response never carries two codes', () => {
    for (const name of AUTHORIZATION_RESPONSE_PARAMETERS) {
      expect(validateRedirectUriForRegistration(`https://app.example/cb?a=1&${name}=x`), name).toBe(`must not have a query parameter named ${name} (the authorization response adds it)`)
    }
    expect(validateRedirectUriForRegistration('https://app.example/cb?codes=1&state_id=2')).toBeUndefined()
  })
})

describe('withQueryParameters', () => {
  it('keeps the registered query and appends the response parameters (RFC 6749 §3.1.2)', () => {
    expect(withQueryParameters('https://app.example/cb?tenant=7', { code: 'c', state: undefined, iss: 'https://as.example' }))
      .toBe('https://app.example/cb?tenant=7&code=c&iss=https%3A%2F%2Fas.example')
  })
})

describe('isLoopbackHost', () => {
  it('knows localhost, 127.0.0.0/8 and [::1]', () => {
    expect(['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '[::1]'].every(isLoopbackHost)).toBe(true)
    expect(['example.com', '128.0.0.1', '::1', '127.0.0.1.example.com'].some(isLoopbackHost)).toBe(false)
  })
})
