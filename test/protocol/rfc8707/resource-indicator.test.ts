import { describe, expect, it } from 'vitest'
import { isResourceIndicator, readResourceIndicators } from '../../../src/protocol/rfc8707/resource-indicator.js'

describe('resource indicators (RFC 8707 §2)', () => {
  it.each(['https://api.example.com', 'https://api.example.com/v1/', 'http://127.0.0.1:6000/api', 'urn:example:api', 'https://api.example.com/?tenant=a'])(
    'accepts the absolute URI %s',
    (value) => expect(isResourceIndicator(value)).toBe(true),
  )

  it.each(['api', '/api', '//api.example.com/', 'https://api.example.com/#f', 'https://api.example.com/#', 'not a uri', 'https://api.example.com/a b', ''])(
    'refuses %j: relative, with a fragment, or no URI',
    (value) => expect(isResourceIndicator(value)).toBe(false),
  )

  it('reads repeated values once each, in order, skipping empty ones; a bad one is invalid_target', () => {
    expect(readResourceIndicators(['https://b.example/', '', 'https://a.example/', 'https://b.example/'])).toEqual(['https://b.example/', 'https://a.example/'])
    expect(() => readResourceIndicators(['https://a.example/', 'api'])).toThrow(expect.objectContaining({ error: 'invalid_target' }) as Error)
  })
})
