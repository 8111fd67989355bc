import { describe, expect, it } from 'vitest'
import { OAuthError } from '../../../src/errors.js'
import { Parameters } from '../../../src/http/form.js'
import { readTokenExchangeRequest } from '../../../src/protocol/rfc8693/token-exchange-request.js'
import { tokenExchangeResponse } from '../../../src/protocol/rfc8693/token-exchange-response.js'
import { TOKEN_TYPES, tokenTypeName } from '../../../src/protocol/rfc8693/token-types.js'

const params = (pairs: [string, string][]): Parameters => new Parameters(pairs)
const base: [string, string][] = [['subject_token', 'abc'], ['subject_token_type', TOKEN_TYPES.access_token]]

function errorOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (error instanceof OAuthError) return error.error
    throw error
  }
  throw new Error('expected an OAuthError')
}

describe('RFC 8693 §2.1 request', () => {
  it('reads subject, actor, requested type, repeated resource and audience, and scope', () => {
    const request = readTokenExchangeRequest(params([
      ...base, ['actor_token', 'xyz'], ['actor_token_type', TOKEN_TYPES.access_token], ['requested_token_type', TOKEN_TYPES.id_jag],
      ['resource', 'https://a.example/api'], ['resource', 'https://b.example/api'], ['resource', 'https://a.example/api'],
      ['audience', 'orders'], ['audience', 'orders'], ['scope', 'read write'],
    ]))
    expect(request).toEqual({
      subjectToken: 'abc', subjectTokenType: 'access_token', actor: { token: 'xyz', type: 'access_token' }, requestedTokenType: 'id_jag',
      resources: ['https://a.example/api', 'https://b.example/api'], audiences: ['orders'], scopes: ['read', 'write'],
    })
  })

  it('subject_token and subject_token_type are REQUIRED: invalid_request', () => {
    expect(errorOf(() => readTokenExchangeRequest(params([['subject_token_type', TOKEN_TYPES.access_token]])))).toBe('invalid_request')
    expect(errorOf(() => readTokenExchangeRequest(params([['subject_token', 'abc']])))).toBe('invalid_request')
  })

  it('an unknown token type URI is invalid_request', () => {
    expect(errorOf(() => readTokenExchangeRequest(params([['subject_token', 'abc'], ['subject_token_type', 'urn:example:token']])))).toBe('invalid_request')
    expect(errorOf(() => readTokenExchangeRequest(params([...base, ['requested_token_type', 'bearer']])))).toBe('invalid_request')
  })

  it('actor_token_type is REQUIRED with actor_token and MUST NOT come without it', () => {
    expect(errorOf(() => readTokenExchangeRequest(params([...base, ['actor_token', 'xyz']])))).toBe('invalid_request')
    expect(errorOf(() => readTokenExchangeRequest(params([...base, ['actor_token_type', TOKEN_TYPES.access_token]])))).toBe('invalid_request')
  })

  it('a resource that is not an absolute URI is invalid_target (RFC 8707 §2)', () => {
    expect(errorOf(() => readTokenExchangeRequest(params([...base, ['resource', '/relative']])))).toBe('invalid_target')
  })

  it('a repeated subject_token is invalid_request', () => {
    expect(errorOf(() => readTokenExchangeRequest(params([...base, ['subject_token', 'again']])))).toBe('invalid_request')
  })
})

describe('RFC 8693 §3 token types', () => {
  it('names the URIs and nothing else', () => {
    expect(tokenTypeName('urn:ietf:params:oauth:token-type:id-jag')).toBe('id_jag')
    expect(tokenTypeName('urn:ietf:params:oauth:token-type:jwt')).toBe('jwt')
    expect(tokenTypeName('access_token')).toBeUndefined()
  })
})

describe('RFC 8693 §2.2.1 response', () => {
  it('carries issued_token_type, no-store, and a refresh token only when given', () => {
    const response = tokenExchangeResponse({ token: 't', issuedTokenType: 'id_jag', tokenType: 'N_A', expiresIn: 300, scopes: ['chat.read'] })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(JSON.parse(String(response.body))).toEqual({
      access_token: 't', issued_token_type: 'urn:ietf:params:oauth:token-type:id-jag', token_type: 'N_A', expires_in: 300, scope: 'chat.read',
    })
  })
})
