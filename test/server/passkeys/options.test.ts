import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/server/config.js'
import { relyingParty, resolvePasskeyOptions } from '../../../src/server/passkeys/options.js'
import { passkeys } from '../../../src/server/passkeys/index.js'

describe('passkey relying party', () => {
  it('is the issuer host and origin by default', () => {
    expect(relyingParty('https://login.example.com/tenant', 'Tessera', resolvePasskeyOptions({}))).toEqual({ id: 'login.example.com', origin: 'https://login.example.com', name: 'Tessera' })
  })

  it('may be a parent domain of the issuer host, never another site or a mere suffix', () => {
    expect(relyingParty('https://login.example.com', 'T', resolvePasskeyOptions({ rpId: 'example.com' })).id).toBe('example.com')
    expect(() => relyingParty('https://login.example.com', 'T', resolvePasskeyOptions({ rpId: 'other.com' }))).toThrow(ConfigError)
    expect(() => relyingParty('https://badexample.com', 'T', resolvePasskeyOptions({ rpId: 'example.com' }))).toThrow(ConfigError)
  })

  it('refuses a malformed RP id and algorithms outside EdDSA, ES256, RS256 when the capability is made', () => {
    expect(() => passkeys({ rpId: 'https://example.com' })).toThrow(/passkeys.rpId/)
    expect(() => passkeys({ algorithms: [-36] })).toThrow(/passkeys.algorithms/)
    expect(() => passkeys({ algorithms: [] })).toThrow(/passkeys.algorithms/)
  })
})
