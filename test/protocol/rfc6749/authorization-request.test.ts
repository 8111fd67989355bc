import { describe, expect, it } from 'vitest'
import { Parameters } from '../../../src/http/form.js'
import { matchesRegisteredRedirectUri, validateAuthorizationRequest, type AuthorizationClient } from '../../../src/protocol/rfc6749/authorization-request.js'

const client: AuthorizationClient = {
  client_id: 'app',
  redirect_uris: ['https://app.example/cb', 'http://127.0.0.1/native'],
  grant_types: ['authorization_code'],
  scopes: ['openid', 'profile', 'notes:read'],
}
const options = { scopesSupported: ['openid', 'profile', 'email', 'notes:read'] }
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
const valid = {
  response_type: 'code',
  client_id: 'app',
  redirect_uri: 'https://app.example/cb',
  scope: 'openid profile',
  state: 's',
  code_challenge: CHALLENGE,
  code_challenge_method: 'S256',
}

function validate(params: Record<string, string>, extra: [string, string][] = []) {
  return validateAuthorizationRequest(new Parameters([...Object.entries(params), ...extra]), client, options)
}

describe('validateAuthorizationRequest (RFC 6749 §4.1.1, RFC 7636 §4.3)', () => {
  it('accepts a complete code + S256 request', () => {
    const result = validate(valid)
    expect(result.kind).toBe('valid')
    if (result.kind === 'valid') expect(result.request).toMatchObject({ scopes: ['openid', 'profile'], state: 's', prompt: [] })
  })

  it.each([
    ['missing client_id', { ...valid, client_id: '' }],
    ['unknown client', { ...valid, client_id: 'other' }],
    ['missing redirect_uri', { ...valid, redirect_uri: '' }],
    ['unregistered redirect_uri', { ...valid, redirect_uri: 'https://app.example/cb/evil' }],
    ['redirect_uri differing by case', { ...valid, redirect_uri: 'https://APP.example/cb' }],
  ])('shows an error page, never redirects, for %s', (_name, params) => {
    expect(validate(params).kind).toBe('show')
  })

  it.each([['a relative resource', 'api'], ['a resource with a fragment', 'https://api.example/#f'], ['a resource that is no URI', 'not a uri']])(
    'shows invalid_target, never redirects, for %s (RFC 8707 §2)',
    (_name, resource) => {
      const result = validate(valid, [['resource', resource]])
      expect(result).toMatchObject({ kind: 'show', error: { error: 'invalid_target' } })
    },
  )

  it('keeps repeated resource indicators, each once and in order, leaving which exist to the server (RFC 8707 §2.1)', () => {
    const result = validate(valid, [['resource', 'https://b.example/'], ['resource', 'https://a.example/'], ['resource', 'https://b.example/']])
    expect(result).toMatchObject({ kind: 'valid', request: { resources: ['https://b.example/', 'https://a.example/'] } })
  })

  it('shows an error page when redirect_uri is repeated', () => {
    expect(validate(valid, [['redirect_uri', 'https://app.example/cb']]).kind).toBe('show')
  })

  it.each([
    ['no response_type', { ...valid, response_type: '' }, 'invalid_request'],
    ['implicit', { ...valid, response_type: 'token' }, 'unsupported_response_type'],
    ['hybrid', { ...valid, response_type: 'code id_token' }, 'unsupported_response_type'],
    ['no PKCE', { ...valid, code_challenge: '' }, 'invalid_request'],
    ['plain PKCE', { ...valid, code_challenge_method: 'plain' }, 'invalid_request'],
    ['method omitted (defaults to plain)', { ...valid, code_challenge_method: '' }, 'invalid_request'],
    ['short challenge', { ...valid, code_challenge: CHALLENGE.slice(1) }, 'invalid_request'],
    ['challenge with +', { ...valid, code_challenge: `${CHALLENGE.slice(1)}+` }, 'invalid_request'],
    ['scope not allowed', { ...valid, scope: 'openid email' }, 'invalid_scope'],
    ['unknown scope', { ...valid, scope: 'openid admin' }, 'invalid_scope'],
    ['no scope', { ...valid, scope: '' }, 'invalid_scope'],
    ['request object', { ...valid, request: 'e30.e30.' }, 'request_not_supported'],
    ['request_uri', { ...valid, request_uri: 'https://evil.example/ro' }, 'request_uri_not_supported'],
    ['prompt none with login', { ...valid, prompt: 'none login' }, 'invalid_request'],
    ['negative max_age', { ...valid, max_age: '-1' }, 'invalid_request'],
    ['form_post', { ...valid, response_mode: 'form_post' }, 'invalid_request'],
  ])('redirects %s as %s', (_name, params, error) => {
    const result = validate(params)
    expect(result.kind).toBe('redirect')
    if (result.kind === 'redirect') {
      expect(result.error.error).toBe(error)
      expect(result.redirectUri).toBe('https://app.example/cb')
    }
  })

  it('redirects repeated parameters as invalid_request, keeping state', () => {
    const result = validate(valid, [['scope', 'openid']])
    expect(result).toMatchObject({ kind: 'redirect', state: 's' })
  })

  it('accepts reversed scope order and unknown extra parameters', () => {
    expect(validate({ ...valid, scope: 'profile openid', extra: 'foobar' }).kind).toBe('valid')
  })
})

describe('matchesRegisteredRedirectUri (RFC 9700 §4.1.3, RFC 8252 §7.3)', () => {
  const registered = ['https://app.example/cb', 'http://127.0.0.1/native']
  it.each([
    ['https://app.example/cb', true],
    ['https://app.example/cb/', false],
    ['https://app.example/cb?x=1', false],
    ['http://127.0.0.1:53123/native', true],
    ['http://127.0.0.1:53123/native/x', false],
    ['http://127.0.0.1.evil.test/native', false],
    ['http://localhost:53123/native', false],
  ])('%s → %s', (uri, expected) => {
    expect(matchesRegisteredRedirectUri(uri, registered)).toBe(expected)
  })
})
