import { describe, expect, it } from 'vitest'
import { evaluateAudience, evaluateProtectedResourceMetadata } from '../../src/doctor/protected-resource.js'

const URL = 'https://mcp.example.com/mcp'
const DOC_URL = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'

describe('evaluateProtectedResourceMetadata', () => {
  it('passes a correct document', () => {
    const results = evaluateProtectedResourceMetadata(URL, { resource: URL, authorization_servers: ['https://as.example.com'], scopes_supported: ['mcp:tools'], bearer_methods_supported: ['header'] }, DOC_URL, { scheme: 'bearer', parameters: { scope: 'mcp:tools' } })
    expect(results.map((result) => [result.id, result.status])).toEqual([['rs.resource', 'pass'], ['rs.scopes-supported', 'pass'], ['rs.bearer-methods', 'pass']])
  })

  it('fails another resource, no authorization servers, no header method; warns on a prefix and missing members', () => {
    const other = evaluateProtectedResourceMetadata(URL, { resource: 'https://mcp.example.com/other', bearer_methods_supported: ['body'] }, DOC_URL)
    expect(other.map((result) => [result.id, result.status])).toEqual([['rs.resource', 'fail'], ['rs.authorization-servers', 'fail'], ['rs.scopes-supported', 'warn'], ['rs.bearer-methods', 'fail']])
    expect(other[0]?.fix).toContain(`set resource to "${URL}"`)
    const prefix = evaluateProtectedResourceMetadata(URL, { resource: 'https://mcp.example.com/', authorization_servers: ['https://as.example.com'], scopes_supported: [], bearer_methods_supported: ['header', 'query'] }, DOC_URL, { scheme: 'bearer', parameters: { scope: 'mcp:tools' } })
    expect(prefix.map((result) => [result.id, result.status])).toEqual([['rs.resource', 'warn'], ['rs.scopes-supported', 'warn'], ['rs.bearer-methods', 'warn']])
  })
})

describe('evaluateAudience', () => {
  const metadata = { resource: URL, scopes_supported: ['mcp:tools'] }
  it('passes when the authorization server takes resource and offers the scopes', () => {
    expect(evaluateAudience(URL, metadata, 'https://as.example.com', { resource_indicators_supported: true, scopes_supported: ['openid', 'mcp:tools'] })).toMatchObject({ id: 'rs.audience', status: 'pass' })
  })
  it('fails a scope the authorization server does not offer, warns without resource indicators', () => {
    expect(evaluateAudience(URL, metadata, 'https://as.example.com', { resource_indicators_supported: true, scopes_supported: ['openid'] })).toMatchObject({ status: 'fail', message: expect.stringContaining('mcp:tools') })
    expect(evaluateAudience(URL, metadata, 'https://as.example.com', {})).toMatchObject({ status: 'warn' })
  })
})
