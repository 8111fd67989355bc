import { describe, expect, it } from 'vitest'
import { protectedResourceMetadataPath, protectedResourceMetadataUrl } from '../../src/resource/index.js'

describe('RFC 9728 §3.1 metadata location of a resource identifier', () => {
  it.each([
    ['http://localhost:3001/mcp', '/.well-known/oauth-protected-resource/mcp', 'http://localhost:3001/.well-known/oauth-protected-resource/mcp'],
    ['https://api.example.com/tenant/notes/', '/.well-known/oauth-protected-resource/tenant/notes', 'https://api.example.com/.well-known/oauth-protected-resource/tenant/notes'],
    ['https://api.example.com', '/.well-known/oauth-protected-resource', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com:8443/api', '/.well-known/oauth-protected-resource/api', 'https://api.example.com:8443/.well-known/oauth-protected-resource/api'],
  ])('%s → %s', (resource, path, url) => {
    expect(protectedResourceMetadataPath(resource)).toBe(path)
    expect(protectedResourceMetadataUrl(resource)).toBe(url)
  })
  it.each(['urn:example:notes', 'notes', 'ftp://example.com/notes'])('has no URL for %s (not an http(s) URL)', (resource) => {
    expect(protectedResourceMetadataUrl(resource)).toBeUndefined()
  })
})
