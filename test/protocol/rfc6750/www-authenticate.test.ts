import { describe, expect, it } from 'vitest'
import { bearerChallengeOf, parseWwwAuthenticate } from '../../../src/protocol/rfc6750/www-authenticate.js'
import { bearerChallenge } from '../../../src/protocol/rfc6750/challenge.js'
import { OAuthError } from '../../../src/errors.js'

describe('parseWwwAuthenticate (RFC 9110 §11.6.1)', () => {
  it('reads what bearerChallenge writes, quoted values unescaped', () => {
    const header = bearerChallenge({ realm: 'a "quoted" realm', error: new OAuthError('insufficient_scope', 'need more scope'), scope: 'mcp:tools notes:read', resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource/mcp' })
    expect(parseWwwAuthenticate(header)).toEqual([{
      scheme: 'Bearer',
      params: { realm: 'a "quoted" realm', error: 'insufficient_scope', error_description: 'need more scope', scope: 'mcp:tools notes:read', resource_metadata: 'https://api.example.com/.well-known/oauth-protected-resource/mcp' },
    }])
  })

  it('splits several challenges, with token68 and token values, names lower-cased', () => {
    expect(parseWwwAuthenticate('Basic abc123==, Bearer Realm=api, Error="invalid_token" , DPoP algs="ES256"')).toEqual([
      { scheme: 'Basic', params: {}, token68: 'abc123==' },
      { scheme: 'Bearer', params: { realm: 'api', error: 'invalid_token' } },
      { scheme: 'DPoP', params: { algs: 'ES256' } },
    ])
    expect(parseWwwAuthenticate('Bearer')).toEqual([{ scheme: 'Bearer', params: {} }])
    expect(parseWwwAuthenticate('Negotiate, Bearer realm="x"')).toEqual([{ scheme: 'Negotiate', params: {} }, { scheme: 'Bearer', params: { realm: 'x' } }])
  })

  it('keeps the first of a repeated parameter and stops at a malformed part', () => {
    expect(parseWwwAuthenticate('Bearer realm="a", realm="b"')).toEqual([{ scheme: 'Bearer', params: { realm: 'a' } }])
    expect(parseWwwAuthenticate('Bearer realm="unterminated')).toEqual([{ scheme: 'Bearer', params: {} }])
    expect(parseWwwAuthenticate('')).toEqual([])
    expect(parseWwwAuthenticate('"nonsense"')).toEqual([])
  })

  it('finds the Bearer challenge whatever the case of its scheme', () => {
    expect(bearerChallengeOf('Basic realm="x", bearer resource_metadata="https://r.example/m"')?.params.resource_metadata).toBe('https://r.example/m')
    expect(bearerChallengeOf('Basic realm="x"')).toBeUndefined()
  })
})
