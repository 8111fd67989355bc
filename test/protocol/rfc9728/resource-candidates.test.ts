import { describe, expect, it } from 'vitest'
import { protectedResourceMetadataUrl, resourceCandidates } from '../../../src/protocol/rfc9728/resource-metadata.js'

describe('RFC 9728 §3.1 protected-resource metadata URLs', () => {
  it('inserts the well-known segment before the path, dropping a terminating slash and keeping the query', () => {
    expect(protectedResourceMetadataUrl('https://rs.example/mcp')).toBe('https://rs.example/.well-known/oauth-protected-resource/mcp')
    expect(protectedResourceMetadataUrl('https://rs.example/a/b/')).toBe('https://rs.example/.well-known/oauth-protected-resource/a/b')
    expect(protectedResourceMetadataUrl('https://rs.example')).toBe('https://rs.example/.well-known/oauth-protected-resource')
    expect(protectedResourceMetadataUrl('https://rs.example:8443/mcp?tenant=1')).toBe('https://rs.example:8443/.well-known/oauth-protected-resource/mcp?tenant=1')
  })

  it('tries the server URL, then its origin, each with the identifier its metadata must state (§3.3)', () => {
    expect(resourceCandidates('https://rs.example/mcp#x')).toEqual([
      { resource: 'https://rs.example/mcp', metadataUrl: 'https://rs.example/.well-known/oauth-protected-resource/mcp' },
      { resource: 'https://rs.example/', metadataUrl: 'https://rs.example/.well-known/oauth-protected-resource' },
    ])
    expect(resourceCandidates('https://rs.example/')).toEqual([{ resource: 'https://rs.example/', metadataUrl: 'https://rs.example/.well-known/oauth-protected-resource' }])
  })
})
