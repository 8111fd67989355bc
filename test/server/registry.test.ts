/**
 * The capability registry: a server is its core capabilities plus the configured ones, and everything that
 * lists what the server supports (routes, discovery, client validation, audit levels) derives from it. The
 * extension below is what a wave-2 capability looks like: one object, registered once.
 */
import { describe, expect, it } from 'vitest'
import { OAuthError } from '../../src/errors.js'
import { jsonResponse } from '../../src/http/response.js'
import type { OAuthRequest } from '../../src/http/types.js'
import { createClient, ValidationError } from '../../src/server/admin.js'
import { ConfigError } from '../../src/server/config.js'
import type { Capability, ClientAuthenticationMethod, CredentialReader } from '../../src/server/context.js'
import { CORE_CAPABILITIES } from '../../src/server/core-capabilities.js'
import { createAuthorizationServer } from '../../src/server/create-server.js'
import { createRegistry, RegistryError, RFC6749_READER } from '../../src/server/registry.js'
import { createMemoryStore } from '../../src/storage/memory.js'

const SECRET = 'unit-test-secret-unit-test-secret-0123456789'
const ISSUER = 'http://127.0.0.1:4000/oidc'
const NOW = 1_900_000_000
const EXAMPLE_GRANT = 'urn:example:params:oauth:grant-type:echo'

/** An extension grant (RFC 6749 §4.5) answering with what it saw, an endpoint with a metadata member, an event. */
const echo: Capability = {
  name: 'echo',
  spec: 'RFC 6749 §4.5 (test extension)',
  endpoints: [
    { name: 'echo', path: '/echo', methods: ['POST'], metadata: 'echo_endpoint', handle: (_ctx, request) => jsonResponse(200, { path: request.url.pathname }) },
    {
      name: 'echoItems', path: '/echo-items',
      below: [{ pattern: /^\/([a-z]{1,8})$/, methods: ['GET'], handle: (_ctx, _request, [item]) => jsonResponse(200, { item }) }],
    },
  ],
  grants: [{
    type: EXAMPLE_GRANT,
    async handle(_ctx, client, params) {
      const word = params.get('word')
      if (word === undefined) throw new OAuthError('invalid_request', 'Missing word')
      return jsonResponse(200, { client_id: client.client_id, word })
    },
  }],
  metadata: () => ({ echo_supported: true }),
  auditEvents: { 'echo.said': 'warn' },
}

function request(method: string, path: string, form?: Record<string, string>, headers: Record<string, string> = {}): OAuthRequest {
  return {
    method, url: new URL(`${ISSUER}${path}`), remoteAddress: '127.0.0.1',
    headers: new Headers({ ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers }),
    body: form ? new TextEncoder().encode(new URLSearchParams(form).toString()) : undefined,
  }
}

function json(body: string | Uint8Array | undefined): Record<string, unknown> {
  return JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body)) as Record<string, unknown>
}

describe('createRegistry', () => {
  it('routes exact paths, aliases and routes below a path with their captures', () => {
    const registry = createRegistry([...CORE_CAPABILITIES, echo])
    expect(registry.route('/token')?.endpoint.name).toBe('token')
    expect(registry.route('/.well-known/oauth-authorization-server')?.endpoint.name).toBe('discovery')
    expect(registry.route('/.well-known/openid-configuration')?.endpoint.name).toBe('discovery')
    const login = registry.route('/interaction/abc_DEF-1/login')
    expect(login?.endpoint.name).toBe('interaction')
    expect(login?.captures).toEqual(['abc_DEF-1'])
    expect(login?.methods).toEqual(['POST'])
    expect(registry.route('/echo-items/pear')?.captures).toEqual(['pear'])
    // An endpoint with only routes below it leaves its own path unrouted, as does anything unmatched.
    expect(registry.route('/interaction')).toBeUndefined()
    expect(registry.route('/echo-items/Pear')).toBeUndefined()
    expect(registry.route('/token/')).toBeUndefined()
    expect(registry.paths.echo).toBe('/echo')
  })

  it('derives grant types, authentication methods per endpoint and audit levels from the capabilities', () => {
    const core = createRegistry(CORE_CAPABILITIES)
    expect(core.grantTypes).toEqual(['authorization_code', 'refresh_token', 'client_credentials'])
    expect(core.authMethodsFor('token')).toEqual(['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt', 'client_secret_jwt'])
    expect(core.authMethodsFor('introspection')).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt'])
    const extended = createRegistry([...CORE_CAPABILITIES, echo])
    expect(extended.grantTypes).toContain(EXAMPLE_GRANT)
    expect(extended.auditEvents.get('echo.said')).toBe('warn')
  })

  it('tries the readers of other methods before RFC 6749\'s, which takes a bare client_id for none', () => {
    const assertionReader: CredentialReader = { name: 'assertion', read: () => undefined }
    const method: ClientAuthenticationMethod = { method: 'example_assertion', confidential: true, reader: assertionReader, verify: () => false }
    const registry = createRegistry([...CORE_CAPABILITIES, { name: 'assertion', spec: 'test', clientAuthentication: [method] }])
    expect(registry.readers.map((reader) => reader.name)).toEqual(['rfc7523', 'assertion', RFC6749_READER])
  })

  it('refuses a capability, endpoint, path, grant type, method or event registered twice', () => {
    const clash = (capability: Partial<Capability>) => () => createRegistry([...CORE_CAPABILITIES, { name: 'clash', spec: 'test', ...capability }])
    expect(clash({ name: 'discovery' })).toThrow(RegistryError)
    expect(clash({ endpoints: [{ name: 'token', path: '/other', handle: () => jsonResponse(200, {}) }] })).toThrow(/endpoint token/)
    expect(clash({ endpoints: [{ name: 'other', path: '/token', handle: () => jsonResponse(200, {}) }] })).toThrow(/path \/token/)
    expect(clash({ endpoints: [{ name: 'other', path: 'no-slash', handle: () => jsonResponse(200, {}) }] })).toThrow(/invalid path/)
    expect(clash({ grants: [{ type: 'refresh_token', handle: () => Promise.resolve(jsonResponse(200, {})) }] })).toThrow(/grant type refresh_token/)
    const reader: CredentialReader = { name: 'x', read: () => undefined }
    expect(clash({ clientAuthentication: [{ method: 'none', confidential: false, reader, verify: () => true }] })).toThrow(/method none/)
    expect(() => createRegistry([...CORE_CAPABILITIES, { ...echo }, { ...echo, name: 'echo-2', endpoints: [], grants: [] }])).toThrow(/audit event echo.said/)
  })
})

describe('a server with an extra capability', () => {
  async function setup() {
    const store = createMemoryStore()
    const server = await createAuthorizationServer({ issuer: ISSUER, store, secret: SECRET, now: () => NOW, capabilities: [echo] })
    return { store, server }
  }

  it('serves its endpoints below the issuer, with the router\'s 405 for other methods', async () => {
    const { server } = await setup()
    expect(server.urls.echo).toBe(`${ISSUER}/echo`)
    const answer = await server.handle(request('POST', '/echo', {}))
    expect(answer.status).toBe(200)
    expect(json(answer.body)).toEqual({ path: '/oidc/echo' })
    const wrong = await server.handle(request('GET', '/echo'))
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST')
    expect(json((await server.handle(request('GET', '/echo-items/fig'))).body)).toEqual({ item: 'fig' })
  })

  it('adds its endpoint URL, grant type and members to the discovery document', async () => {
    const { server } = await setup()
    const metadata = json((await server.handle(request('GET', '/.well-known/oauth-authorization-server'))).body)
    expect(metadata.echo_endpoint).toBe(`${ISSUER}/echo`)
    expect(metadata.echo_supported).toBe(true)
    expect(metadata.grant_types_supported).toEqual(['authorization_code', 'refresh_token', 'client_credentials', EXAMPLE_GRANT])
    expect(metadata.token_endpoint).toBe(`${ISSUER}/token`)
    expect(server.metadata()).toEqual(metadata)
  })

  it('dispatches its grant at the token endpoint to clients registered for it, after client authentication', async () => {
    const { store, server } = await setup()
    // The core rules alone do not know the grant; the server's registry does.
    await expect(createClient(store, { name: 'Echo', grantTypes: [EXAMPLE_GRANT] }, NOW)).rejects.toBeInstanceOf(ValidationError)
    const { client, clientSecret } = await createClient(store, { name: 'Echo', grantTypes: [EXAMPLE_GRANT] }, NOW, { registry: server.registry })
    const basic = { authorization: `Basic ${Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64')}` }
    const answer = await server.handle(request('POST', '/token', { grant_type: EXAMPLE_GRANT, word: 'hello' }, basic))
    expect(answer.status).toBe(200)
    expect(json(answer.body)).toEqual({ client_id: client.client_id, word: 'hello' })
    const missing = await server.handle(request('POST', '/token', { grant_type: EXAMPLE_GRANT }, basic))
    expect([missing.status, json(missing.body).error]).toEqual([400, 'invalid_request'])
    const unregistered = await server.handle(request('POST', '/token', { grant_type: 'client_credentials' }, basic))
    expect([unregistered.status, json(unregistered.body).error]).toEqual([400, 'unauthorized_client'])
    const wrongSecret = await server.handle(request('POST', '/token', { grant_type: EXAMPLE_GRANT, word: 'x' }, { authorization: `Basic ${Buffer.from(`${client.client_id}:nope`).toString('base64')}` }))
    expect([wrongSecret.status, json(wrongSecret.body).error]).toEqual([401, 'invalid_client'])
  })

  it('is a configuration error when it clashes with a core capability', async () => {
    const clash: Capability = { name: 'my-token', spec: 'test', endpoints: [{ name: 'myToken', path: '/token', handle: () => jsonResponse(200, {}) }] }
    await expect(createAuthorizationServer({ issuer: ISSUER, store: createMemoryStore(), secret: SECRET, capabilities: [clash] })).rejects.toThrow(ConfigError)
  })
})

describe('a client source', () => {
  // Clients named `urn:test:<name>`, resolved by the capability and never stored; any other urn:test id fails.
  const resolved: string[] = []
  const source: Capability = {
    name: 'test-clients', spec: 'test',
    clientSource: {
      handles: (clientId) => clientId.startsWith('urn:test:'),
      resolve(_ctx, clientId) {
        resolved.push(clientId)
        if (clientId !== 'urn:test:tool') return Promise.reject(new OAuthError('invalid_client', 'No such test client'))
        return Promise.resolve({
          client_id: clientId, client_secret_hash: null, client_secret_expires_at: null, disabled: false, client_name: 'Tool', redirect_uris: ['https://tool.example/cb'], post_logout_redirect_uris: [],
          grant_types: ['authorization_code'], scopes: ['openid'], token_endpoint_auth_method: 'none', id_token_signed_response_alg: 'RS256', skip_consent: false,
          created_at: NOW, application_type: 'web', client_uri: null, logo_uri: null, policy_uri: null, tos_uri: null, contacts: [], registered_by: 'metadata_document',
          registration_access_token_hash: null, expires_at: null, jwks: null, jwks_uri: null, token_endpoint_auth_signing_alg: null, client_secret_sealed: null, require_pushed_authorization_requests: false, dpop_bound_access_tokens: false, request_object_signing_alg: null, require_signed_request_object: false,
        })
      },
    },
  }

  it('answers for ids the store does not hold, at /authorize and in client authentication; the store wins', async () => {
    const store = createMemoryStore()
    const server = await createAuthorizationServer({ issuer: ISSUER, store, secret: SECRET, now: () => NOW, capabilities: [source] })
    expect(server.registry.clientSources).toEqual([source.clientSource])
    const authorize = (clientId: string) => server.handle(request('GET', `/authorize?${new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: 'https://tool.example/cb', scope: 'openid', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    }).toString()}`))
    expect((await authorize('urn:test:tool')).status).toBe(303)
    const failed = await authorize('urn:test:other')
    expect(failed.status).toBe(400)
    expect(String(failed.body)).toContain('No such test client')
    const token = await server.handle(request('POST', '/token', { grant_type: 'authorization_code', code: 'x', redirect_uri: 'https://tool.example/cb', code_verifier: 'v'.repeat(43), client_id: 'urn:test:other' }))
    expect([token.status, json(token.body).error]).toEqual([401, 'invalid_client'])
    expect(await store.clients.get('urn:test:tool')).toBeUndefined()

    await createClient(store, { name: 'Stored', clientId: 'urn:test:stored', authMethod: 'none', redirectUris: ['https://tool.example/cb'], grantTypes: ['authorization_code'], scopes: ['openid'] }, NOW)
    resolved.length = 0
    expect((await authorize('urn:test:stored')).status).toBe(303)
    expect(resolved).toEqual([])
  })
})

describe('client authentication methods per endpoint', () => {
  it('accept a method only at the endpoints it is offered for, as discovery says', async () => {
    // An extension method for the token endpoint only, authenticating with a fixed test credential.
    const reader: CredentialReader = {
      name: 'test-header',
      read: (headers) => {
        const id = headers.get('x-test-client')
        return id === null ? undefined : { method: 'test_header', clientId: id, clientSecret: undefined }
      },
    }
    const testHeader: Capability = {
      name: 'test-header-auth', spec: 'test',
      clientAuthentication: [{ method: 'test_header', confidential: true, endpoints: ['token'], reader, verify: (_ctx, client) => client !== undefined }],
    }
    const store = createMemoryStore()
    const server = await createAuthorizationServer({ issuer: ISSUER, store, secret: SECRET, now: () => NOW, capabilities: [testHeader] })
    await createClient(store, { name: 'Job', clientId: 'job', grantTypes: ['client_credentials'], authMethod: 'test_header', scopes: [] }, NOW, { registry: server.registry })
    const metadata = server.metadata()
    expect(metadata.token_endpoint_auth_methods_supported).toContain('test_header')
    expect(metadata.introspection_endpoint_auth_methods_supported).not.toContain('test_header')
    const header = { 'x-test-client': 'job' }
    expect((await server.handle(request('POST', '/token', { grant_type: 'client_credentials' }, header))).status).toBe(200)
    const refused = await server.handle(request('POST', '/introspect', { token: 'x' }, header))
    expect([refused.status, json(refused.body)]).toEqual([401, { error: 'invalid_client', error_description: 'test_header is not accepted at this endpoint' }])
  })
})

describe('account sections', () => {
  const section = (id: string, order?: number) => ({ id, ...(order === undefined ? {} : { order }), render: () => ({ id, title: id }) })

  it('orders them by order, then by registration, and refuses an id registered twice', () => {
    const registry = createRegistry([
      ...CORE_CAPABILITIES,
      { name: 'a', spec: 'test', accountSections: [section('late'), section('first', 5)] },
      { name: 'b', spec: 'test', accountSections: [section('middle', 50), section('later')] },
    ])
    // `two-factor` (order 30) is the core second-factor capability's own section.
    expect(registry.accountSections.map((entry) => entry.id)).toEqual(['first', 'two-factor', 'middle', 'late', 'later'])
    expect(() => createRegistry([...CORE_CAPABILITIES, { name: 'a', spec: 'test', accountSections: [section('x')] }, { name: 'b', spec: 'test', accountSections: [section('x')] }])).toThrow(RegistryError)
  })
})
