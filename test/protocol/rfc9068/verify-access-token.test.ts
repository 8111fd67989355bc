import { describe, expect, it } from 'vitest'
import type { OAuthError } from '../../../src/errors.js'
import { localKeyResolver } from '../../../src/jwt/verify.js'
import { verifyAccessTokenJwt, type AccessTokenVerification } from '../../../src/protocol/rfc9068/verify-access-token.js'
import { AUDIENCE, accessToken, atHeader, claims, generateKey, hs256, nowSeconds, signWith } from '../../resource/fixtures.js'

const ISSUER = 'https://as.example.com'
const key = generateKey('ES256')
const foreign = generateKey('ES256')

const options = (overrides: Partial<AccessTokenVerification> = {}): AccessTokenVerification => ({
  keys: localKeyResolver({ keys: [key.publicJwk] }),
  algorithms: ['ES256'],
  issuer: ISSUER,
  audience: AUDIENCE,
  clockTolerance: 30,
  now: nowSeconds(),
  ...overrides,
})

async function refusal(token: string, given = options()): Promise<OAuthError> {
  return verifyAccessTokenJwt(token, given).then(
    () => {
      throw new Error('expected invalid_token')
    },
    (error: unknown) => error as OAuthError,
  )
}

describe('verifyAccessTokenJwt (RFC 9068 §4)', () => {
  it('verifies signature and claims, and parses the scope', async () => {
    const { claims: verified, scopes } = await verifyAccessTokenJwt(accessToken(key, ISSUER), options())
    expect(verified).toMatchObject({ iss: ISSUER, sub: 'alice', client_id: 'app' })
    expect(scopes).toEqual(['notes:read'])
  })
  it('accepts typ application/at+jwt (§4 step 1)', async () => {
    expect((await verifyAccessTokenJwt(accessToken(key, ISSUER, {}, { typ: 'application/at+jwt' }), options())).claims.sub).toBe('alice')
  })
  it.each([
    ['typ JWT (an ID token)', () => signWith(key, atHeader(key, { typ: 'JWT' }), claims(ISSUER))],
    ['no typ', () => signWith(key, { alg: 'ES256', kid: key.kid }, claims(ISSUER))],
    ['a key not in the key set (§4 step 4)', () => signWith(foreign, atHeader(foreign, { kid: key.kid }), claims(ISSUER))],
    ['an algorithm not allowed (§4 step 5)', () => hs256('secret', { alg: 'HS256', typ: 'at+jwt', kid: key.kid }, claims(ISSUER))],
    ['claims that fail validateAccessTokenClaims', () => accessToken(key, ISSUER, { iat: nowSeconds() + 120 })],
  ])('refuses %s with invalid_token', async (_name, token) => {
    expect((await refusal(token())).error).toBe('invalid_token')
  })
  it('rethrows a failure of the key source as it is, for the caller to report', async () => {
    const down = new Error('JWKS down')
    const keys: AccessTokenVerification['keys'] = () => Promise.reject(down)
    await expect(verifyAccessTokenJwt(accessToken(key, ISSUER), options({ keys }))).rejects.toBe(down)
  })
})
