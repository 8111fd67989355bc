import { describe, expect, it } from 'vitest'
import { acceptedLanguages } from '../../src/http/accept-language.js'

describe('acceptedLanguages (RFC 9110 §12.5.4)', () => {
  it('orders by q-value, keeping header order on ties', () => {
    expect(acceptedLanguages('de-CH, en;q=0.5, fr;q=0.8, it')).toEqual(['de-CH', 'it', 'fr', 'en'])
  })

  it('drops q=0, the wildcard and malformed members instead of failing', () => {
    expect(acceptedLanguages('*, en;q=0, de;q=0.3, <script>, fr;q=2, es;q=0.9')).toEqual(['es', 'de'])
    expect(acceptedLanguages(undefined)).toEqual([])
    expect(acceptedLanguages('')).toEqual([])
  })

  it('reads at most the first kilobyte of a huge header', () => {
    expect(acceptedLanguages(`${'x-'.repeat(5000)}, de`)).toEqual([])
  })
})
