import { describe, expect, it } from 'vitest'
import { isJwtValidationError, localKeyResolver, verifyJwt } from '../../src/jwt/verify.js'
import { accessToken, generateKey } from '../resource/fixtures.js'

const ISSUER = 'https://as.example.com'
const key = generateKey('ES256')
const keys = localKeyResolver({ keys: [key.publicJwk] })
const options = { algorithms: ['ES256'], issuer: ISSUER }

async function failure(token: string): Promise<unknown> {
  return verifyJwt(token, keys, options).then(() => undefined, (error: unknown) => error)
}

describe('verifyJwt accepts only unpadded base64url segments (RFC 7515 §2, §7.1)', () => {
  const token = accessToken(key, ISSUER)
  const [header = '', payload = '', signature = ''] = token.split('.')

  it('verifies the token as signed', async () => {
    expect((await verifyJwt(token, keys, options)).iss).toBe(ISSUER)
  })
  it('refuses the same signature with padding, which jose alone would accept', async () => {
    expect(isJwtValidationError(await failure(`${header}.${payload}.${signature}==`))).toBe(true)
  })
  it('refuses the signature in standard base64', async () => {
    const standard = Buffer.from(signature, 'base64url').toString('base64')
    expect(isJwtValidationError(await failure(`${header}.${payload}.${standard}`))).toBe(true)
  })
})
