import { describe, expect, it } from 'vitest'
import { ConfigError, resolveConfig } from '../../src/server/config.js'
import { createMemoryStore } from '../../src/storage/memory.js'

const base = { store: createMemoryStore(), secret: 'x'.repeat(32) }

describe('resolveConfig', () => {
  it.each([
    ['http://example.com', /https/],
    ['https://example.com?x=1', /query/],
    ['not a url', /absolute/],
  ])('refuses issuer %s', (issuer, message) => {
    expect(() => resolveConfig({ ...base, issuer })).toThrow(message)
  })
  it('refuses development.allowLoopbackFetch with an https issuer, and passes it to the SSRF guard otherwise', () => {
    expect(() => resolveConfig({ ...base, issuer: 'https://auth.example', development: { allowLoopbackFetch: true } })).toThrow(/development\.allowLoopbackFetch must not be set with an https issuer/)
    expect(resolveConfig({ ...base, issuer: 'http://127.0.0.1:4000', development: { allowLoopbackFetch: true } }).outbound.allowLoopback).toBe(true)
    const strict = resolveConfig({ ...base, issuer: 'https://auth.example', outbound: { timeoutMs: 1000 } })
    expect(strict.outbound).toEqual({ timeoutMs: 1000, allowLoopback: false })
  })
  it('allows loopback http and keeps the issuer string verbatim', () => {
    const config = resolveConfig({ ...base, issuer: 'http://127.0.0.1:4000/auth/' })
    expect(config.issuer).toBe('http://127.0.0.1:4000/auth/')
    expect(config.basePath).toBe('/auth')
    expect(config.secure).toBe(false)
  })
  it('names the field on a short secret or bad lifetime', () => {
    expect(() => resolveConfig({ ...base, issuer: 'https://a.example', secret: 'short' })).toThrow(ConfigError)
    expect(() => resolveConfig({ ...base, issuer: 'https://a.example', lifetimes: { authorizationCode: 3600 } })).toThrow(/authorizationCode/)
  })
  it('keeps the session idle timeout within the absolute lifetime', () => {
    const https = { ...base, issuer: 'https://a.example' }
    expect(resolveConfig(https).lifetimes).toMatchObject({ session: 14 * 24 * 3600, sessionIdle: 24 * 3600 })
    expect(resolveConfig({ ...https, lifetimes: { session: 600 } }).lifetimes.sessionIdle).toBe(600)
    expect(resolveConfig({ ...https, lifetimes: { session: 600, sessionIdle: 60 } }).lifetimes.sessionIdle).toBe(60)
    expect(() => resolveConfig({ ...https, lifetimes: { session: 600, sessionIdle: 601 } })).toThrow(/lifetimes\.sessionIdle/)
  })
  it('defaults accessTokenFormat to jwt and names the field on an unknown format', () => {
    const https = { ...base, issuer: 'https://a.example' }
    expect(resolveConfig(https).accessTokenFormat).toBe('jwt')
    expect(resolveConfig({ ...https, accessTokenFormat: 'opaque' }).accessTokenFormat).toBe('opaque')
    // A JavaScript caller (or a config file) can pass anything.
    expect(() => resolveConfig({ ...https, accessTokenFormat: 'paseto' as 'jwt' })).toThrow(/accessTokenFormat must be "jwt" or "opaque"/)
  })
  it('refuses API scopes that shadow OIDC ones', () => {
    expect(() => resolveConfig({ ...base, issuer: 'https://a.example', resources: [{ identifier: 'https://api', scopes: { openid: 'x' } }] })).toThrow(/reserved/)
  })
})
