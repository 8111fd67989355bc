import { describe, expect, it } from 'vitest'
import { validateClientKeys } from '../../../src/protocol/rfc7591/client-keys.js'

describe('validateClientKeys (RFC 7591 §2)', () => {
  const ec = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }
  it('needs keys for private_key_jwt, keeps jwks and jwks_uri exclusive, and refuses private members', () => {
    expect(validateClientKeys({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [ec] } })).toMatchObject({ jwks: { keys: [ec] }, jwks_uri: null })
    expect(validateClientKeys({ tokenEndpointAuthMethod: 'private_key_jwt' })).toMatch(/jwks or jwks_uri/)
    expect(validateClientKeys({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [ec] }, jwksUri: 'https://k.example/jwks' })).toMatch(/both/)
    expect(validateClientKeys({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ ...ec, d: 'secret' }] } })).toMatch(/public/)
    expect(validateClientKeys({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })).toMatch(/public|kty/)
    expect(validateClientKeys({ tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'http://keys.example/jwks' })).toMatch(/https/)
    expect(validateClientKeys({ tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'http://127.0.0.1:9/jwks' }, { allowLoopbackHttp: true })).toMatchObject({ jwks_uri: 'http://127.0.0.1:9/jwks' })
  })

  it('allows only the algorithms of the method as token_endpoint_auth_signing_alg', () => {
    expect(validateClientKeys({ tokenEndpointAuthMethod: 'client_secret_jwt', tokenEndpointAuthSigningAlg: 'HS256' })).toMatchObject({ token_endpoint_auth_signing_alg: 'HS256' })
    expect(validateClientKeys({ tokenEndpointAuthMethod: 'client_secret_jwt', tokenEndpointAuthSigningAlg: 'RS256' })).toBeTypeOf('string')
    expect(validateClientKeys({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [ec] }, tokenEndpointAuthSigningAlg: 'none' })).toBeTypeOf('string')
    expect(validateClientKeys({ tokenEndpointAuthMethod: 'client_secret_basic', tokenEndpointAuthSigningAlg: 'HS256' })).toBeTypeOf('string')
  })
})
