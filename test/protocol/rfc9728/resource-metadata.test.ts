import { describe, expect, it } from 'vitest'
import { matchResource, protectedResourceMetadataPath, protectedResourceMetadataUrl, readProtectedResourceMetadata } from '../../../src/protocol/rfc9728/resource-metadata.js'

describe('RFC 9728 §3.1 location', () => {
  it('inserts the well-known segment before the path, dropping a terminating slash', () => {
    expect(protectedResourceMetadataUrl('https://api.example.com/mcp')).toBe('https://api.example.com/.well-known/oauth-protected-resource/mcp')
    expect(protectedResourceMetadataUrl('https://api.example.com/')).toBe('https://api.example.com/.well-known/oauth-protected-resource')
    expect(protectedResourceMetadataUrl('http://127.0.0.1:3001/a/b/')).toBe('http://127.0.0.1:3001/.well-known/oauth-protected-resource/a/b')
    expect(protectedResourceMetadataUrl('urn:example:api')).toBeUndefined()
    expect(protectedResourceMetadataPath('not a url')).toBe('/.well-known/oauth-protected-resource')
  })
})

describe('RFC 9728 §3.3 resource match', () => {
  it('is identical only without any normalization', () => {
    expect(matchResource('https://api.example.com/mcp', 'https://api.example.com/mcp')).toBe('identical')
    expect(matchResource('https://api.example.com/mcp', 'https://api.example.com/mcp/')).toBe('different')
    expect(matchResource('https://api.example.com/mcp', 'HTTPS://api.example.com/mcp')).toBe('prefix')
  })

  it('tells a same-origin path prefix from another resource', () => {
    expect(matchResource('https://api.example.com/mcp/v1', 'https://api.example.com/mcp')).toBe('prefix')
    expect(matchResource('https://api.example.com/mcp', 'https://api.example.com/')).toBe('prefix')
    expect(matchResource('https://api.example.com/mcpx', 'https://api.example.com/mcp')).toBe('different')
    expect(matchResource('https://api.example.com/mcp', 'https://evil.example.com/mcp')).toBe('different')
    expect(matchResource('https://api.example.com/mcp', 'https://api.example.com/mcp?x=1')).toBe('different')
    expect(matchResource('https://api.example.com/mcp', 42)).toBe('different')
  })
})

describe('readProtectedResourceMetadata (RFC 9728 §2)', () => {
  it('requires a string resource and arrays of strings', () => {
    expect(readProtectedResourceMetadata({ resource: 'https://r', authorization_servers: ['https://as'] })).toEqual({ metadata: { resource: 'https://r', authorization_servers: ['https://as'] }, problems: [] })
    expect(readProtectedResourceMetadata({ authorization_servers: 'https://as', scopes_supported: [1] }).problems.map((problem) => problem.member)).toEqual(['resource', 'authorization_servers', 'scopes_supported'])
    expect(readProtectedResourceMetadata([])).toEqual({ problems: [{ member: '', problem: 'the document is not a JSON object' }] })
  })
})
