import { describe, expect, it } from 'vitest'
import { randomCredential, randomToken, randomUInt } from '../../src/crypto/random.js'

describe('randomToken', () => {
  it('gives distinct base64url values of the requested entropy across many pool refills', () => {
    const sizes = [16, 24, 32, 6, 300]
    const seen = new Set<string>()
    for (let i = 0; i < 2_000; i++) {
      const bytes = sizes[i % sizes.length] ?? 32
      const token = randomToken(bytes)
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(Buffer.from(token, 'base64url')).toHaveLength(bytes)
      seen.add(token)
    }
    expect(seen.size).toBe(2_000)
  })

  it('is not all zeros (a slice is zeroed only after it is read)', () => {
    for (let i = 0; i < 200; i++) expect(Buffer.from(randomToken(16), 'base64url').some((byte) => byte !== 0)).toBe(true)
  })

  it('covers every byte value (a crude check that slices are random, not repeated)', () => {
    const counts = new Array<number>(256).fill(0)
    for (let i = 0; i < 1_000; i++) for (const byte of Buffer.from(randomToken(32), 'base64url')) counts[byte] = (counts[byte] ?? 0) + 1
    // 32,000 bytes: about 125 of each value; a value missing entirely would mean a broken source.
    expect(Math.min(...counts)).toBeGreaterThan(50)
    expect(Math.max(...counts)).toBeLessThan(250)
  })
})

describe('randomUInt', () => {
  it('gives integers below 2^(8·bytes)', () => {
    const values = new Set<number>()
    for (let i = 0; i < 500; i++) {
      const value = randomUInt(6)
      expect(Number.isSafeInteger(value) && value >= 0 && value < 2 ** 48).toBe(true)
      values.add(value)
    }
    expect(values.size).toBe(500)
  })
})

describe('randomCredential', () => {
  it('never starts with "-" (command-line parsers would read it as an option)', () => {
    for (let i = 0; i < 5_000; i++) expect(randomCredential(16).startsWith('-')).toBe(false)
  })
})
