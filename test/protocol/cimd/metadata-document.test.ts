import { describe, expect, it } from 'vitest'
import { OAuthError } from '../../../src/errors.js'
import { checkClientIdUrl, type ClientIdUrl } from '../../../src/protocol/cimd/client-id-url.js'
import { DOCUMENT_NAME_MAX_LENGTH, validateClientMetadataDocument } from '../../../src/protocol/cimd/metadata-document.js'

const URL_ = checkClientIdUrl('https://app.example/client.json') as ClientIdUrl
const rules = {
  grantTypes: new Map([['authorization_code', { usesRedirectUri: true }], ['refresh_token', {}], ['client_credentials', { confidentialOnly: true }]]),
  scopes: ['openid', 'profile', 'notes:read'],
  signingAlgorithms: ['RS256', 'ES256'],
}
const base = { client_id: URL_, client_name: 'Notes CLI', redirect_uris: ['https://app.example/cb'] }

function problem(document: unknown): string {
  try {
    validateClientMetadataDocument(URL_, document, rules)
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError)
    expect((error as OAuthError).error).toBe('invalid_client')
    return (error as OAuthError).description ?? ''
  }
  throw new Error('the document was accepted')
}

describe('client ID metadata documents (draft §4.1)', () => {
  it('turns a valid document into public client metadata with RFC 7591 defaults', () => {
    const metadata = validateClientMetadataDocument(URL_, { ...base, grant_types: ['authorization_code', 'refresh_token'], scope: 'openid notes:read' }, rules)
    expect(metadata).toMatchObject({
      client_name: 'Notes CLI', redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], scopes: ['openid', 'notes:read'], application_type: 'web',
    })
  })

  it('takes loopback-only clients as native and ignores jwks without private members', () => {
    const metadata = validateClientMetadataDocument(URL_, { ...base, redirect_uris: ['http://127.0.0.1/cb'], jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] }, jwks_uri: 'https://app.example/jwks' }, rules)
    expect(metadata.application_type).toBe('native')
  })

  it('compares client_id as a plain string', () => {
    expect(problem({ ...base, client_id: 'https://APP.example/client.json' })).toContain('not exactly its URL')
    expect(problem({ ...base, client_id: 'https://app.example/client.json/' })).toContain('not exactly its URL')
    expect(problem({ ...base, client_id: undefined })).toContain('no client_id')
  })

  it.each([
    [{ redirect_uris: undefined }, 'redirect_uris'],
    [{ redirect_uris: [] }, 'redirect_uris'],
    [{ client_name: undefined }, 'client_name'],
    [{ client_name: ' \u202e ' }, 'client_name'],
    [{ client_secret: 'x' }, 'client_secret'],
    [{ client_secret_expires_at: 0 }, 'client_secret'],
    [{ token_endpoint_auth_method: 'client_secret_basic' }, 'no shared secret'],
    [{ token_endpoint_auth_method: 'client_secret_jwt' }, 'no shared secret'],
    [{ token_endpoint_auth_method: 'private_key_jwt' }, 'does not support'],
    [{ jwks: { keys: [{ kty: 'RSA', n: 'n', e: 'AQAB', d: 'd' }] } }, 'private key'],
    [{ jwks: { keys: [{ kty: 'oct', k: 'secret' }] } }, 'private key'],
    [{ jwks: 'nope' }, 'private key'],
    [{ grant_types: ['client_credentials'] }, 'cannot use client_credentials'],
    [{ grant_types: ['password'] }, 'not supported'],
    [{ response_types: ['token'] }, 'not supported'],
    [{ redirect_uris: ['http://app.example/cb'] }, 'https'],
    [{ logo_uri: 'http://app.example/logo.png' }, 'https'],
  ])('refuses %j', (overrides, expected) => {
    expect(problem({ ...base, ...overrides })).toContain(expected)
  })

  it('keeps only the scopes this server knows (one document serves every server)', () => {
    expect(validateClientMetadataDocument(URL_, { ...base, scope: 'openid mcp:tools notes:read' }, rules).scopes).toEqual(['openid', 'notes:read'])
    expect(validateClientMetadataDocument(URL_, { ...base, scope: 'mcp:tools' }, rules).scopes).toEqual([])
    expect(validateClientMetadataDocument(URL_, base, rules).scopes).toEqual(rules.scopes)
  })

  it('refuses what is not an object', () => {
    for (const document of [null, [], 'x', 1]) expect(problem(document)).toContain('JSON object')
  })

  it('neutralises the name: no controls or bidi overrides, spaces collapsed, bounded', () => {
    expect(validateClientMetadataDocument(URL_, { ...base, client_name: 'Notes\u202e  \u0007CLI\n' }, rules).client_name).toBe('Notes CLI')
    const long = validateClientMetadataDocument(URL_, { ...base, client_name: 'x'.repeat(500) }, rules).client_name ?? ''
    expect([...long]).toHaveLength(DOCUMENT_NAME_MAX_LENGTH)
    expect(long.endsWith('…')).toBe(true)
  })
})
