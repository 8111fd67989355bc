import { describe, expect, it } from 'vitest'
import { OAuthError } from '../../../src/errors.js'
import { Parameters } from '../../../src/http/form.js'
import { introspectionRequestBody, readIntrospectionRequest } from '../../../src/protocol/rfc7662/introspection-request.js'

const params = (body: string): Parameters => new Parameters(new URLSearchParams(body))

describe('RFC 7662 §2.1 introspection request', () => {
  it('reads token and token_type_hint', () => {
    expect(readIntrospectionRequest(params('token=abc&token_type_hint=refresh_token'))).toEqual({ token: 'abc', tokenTypeHint: 'refresh_token' })
    expect(readIntrospectionRequest(params('token=abc'))).toEqual({ token: 'abc', tokenTypeHint: undefined })
  })
  it('ignores a repeated token_type_hint, as an unknown one, rather than refusing the request', () => {
    expect(readIntrospectionRequest(params('token=abc&token_type_hint=a&token_type_hint=b'))).toEqual({ token: 'abc', tokenTypeHint: undefined })
  })
  it('refuses a request without token with invalid_request', () => {
    expect(() => readIntrospectionRequest(params('token_type_hint=access_token'))).toThrow(OAuthError)
    try {
      readIntrospectionRequest(params(''))
    } catch (error) {
      expect((error as OAuthError).error).toBe('invalid_request')
    }
  })
  it('builds a form body that reads back the same, hint only when given', () => {
    const body = introspectionRequestBody({ token: 'a+b/c=', tokenTypeHint: 'access_token' })
    expect(body).toBe('token=a%2Bb%2Fc%3D&token_type_hint=access_token')
    expect(readIntrospectionRequest(params(body))).toEqual({ token: 'a+b/c=', tokenTypeHint: 'access_token' })
    expect(introspectionRequestBody({ token: 'abc' })).toBe('token=abc')
  })
})
