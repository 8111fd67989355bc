import { describe, expect, it } from 'vitest'
import { bearerChallenge } from '../../../src/protocol/rfc6750/challenge.js'
import { bearerChallengeOf, parseChallenges } from '../../../src/protocol/rfc6750/parse-challenge.js'
import { OAuthError } from '../../../src/errors.js'

describe('WWW-Authenticate parsing (RFC 9110 §11.6.1, RFC 6750 §3, RFC 9728 §5.1)', () => {
  it('reads what bearerChallenge writes', () => {
    const header = bearerChallenge({ realm: 'r', error: new OAuthError('insufficient_scope', 'needs more scope'), scope: 'a b', resourceMetadata: 'https://rs.example/.well-known/oauth-protected-resource/mcp' })
    expect(bearerChallengeOf(header)).toEqual({ error: 'insufficient_scope', errorDescription: 'needs more scope', scope: 'a b', resourceMetadata: 'https://rs.example/.well-known/oauth-protected-resource/mcp' })
  })

  it('unescapes quoted-pairs (RFC 9110 §5.6.4)', () => {
    expect(bearerChallengeOf('Bearer error_description="say \\"hi\\" \\\\ bye", scope="a"')).toEqual({ errorDescription: 'say "hi" \\ bye', scope: 'a' })
  })

  it('finds the Bearer challenge among others, schemes and names case-insensitively, tokens unquoted', () => {
    const header = 'Basic realm="x", DPoP algs="ES256", bEaReR Resource_Metadata="https://rs/m", error=invalid_token'
    expect(parseChallenges(header).map((challenge) => challenge.scheme)).toEqual(['basic', 'dpop', 'bearer'])
    expect(bearerChallengeOf(header)).toEqual({ resourceMetadata: 'https://rs/m', error: 'invalid_token' })
  })

  it('keeps the first of a repeated parameter and reads token68 credentials as no parameters', () => {
    expect(parseChallenges('Bearer scope="a", scope="b"')[0]?.parameters).toEqual({ scope: 'a' })
    expect(parseChallenges('Negotiate abc123==, Bearer scope="s"')).toEqual([{ scheme: 'negotiate', parameters: {} }, { scheme: 'bearer', parameters: { scope: 's' } }])
  })

  it('never throws on malformed input, and a bare Bearer has no parameters', () => {
    expect(bearerChallengeOf('Bearer')).toEqual({})
    expect(bearerChallengeOf(null)).toBeUndefined()
    expect(bearerChallengeOf('Basic realm="x"')).toBeUndefined()
    for (const broken of ['Bearer scope="unterminated', 'Bearer =x', '"', ', , ,', 'Bearer scope=']) expect(() => parseChallenges(broken)).not.toThrow()
    expect(bearerChallengeOf('Bearer scope="unterminated')).toEqual({})
  })
})
