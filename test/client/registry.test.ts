import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createClientContext } from '../../src/client/context.js'
import { ClientConfigError, ClientError } from '../../src/client/errors.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth } from '../../src/client/oauth.js'
import { normalizeRegistration, type ProviderRegistration } from '../../src/client/provider.js'

const base = { name: 'p', clientId: 'client', clientSecret: 'secret', scope: 'openid email' }
const ctx = () => createClientContext({ url: 'https://app.example/login', headers: {} })

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason)
  return error instanceof ClientError ? error.code : String(error)
}

describe('createOAuth configuration', () => {
  it('requires a secret of at least 32 characters and a store', () => {
    expect(() => createOAuth({ store: createMemoryClientStore(), secret: 'short' })).toThrow(/secret must be at least 32/)
    expect(() => createOAuth({ store: undefined as never, secret: 'x'.repeat(32) })).toThrow(/store is required/)
  })
})

describe('register: validated once, with messages naming the field', () => {
  const cases: [string, Partial<ProviderRegistration> & Record<string, unknown>, RegExp][] = [
    ['no location', { issuer: undefined }, /give issuer, serverMetadataUrl or preset/],
    ['issuer and serverMetadataUrl', { issuer: 'https://op.example', serverMetadataUrl: 'https://op.example/.well-known/openid-configuration' }, /either issuer or serverMetadataUrl/],
    ['http issuer', { issuer: 'http://op.example' }, /only https/],
    ['loopback http without the opt-in', { issuer: 'http://127.0.0.1:4000' }, /allowInsecureLoopback/],
    ['javascript: issuer', { issuer: 'javascript:alert(1)' }, /javascript: scheme/],
    ['no client secret', { issuer: 'https://op.example', clientSecret: undefined }, /clientSecret is required/],
    ['secret with none', { issuer: 'https://op.example', tokenEndpointAuthMethod: 'none' }, /clientSecret given/],
    ['no openid scope', { issuer: 'https://op.example', scope: 'email' }, /must include 'openid'/],
    ['reserved authorization parameter', { issuer: 'https://op.example', authorizationParams: { state: 'fixed' } }, /must not set state/],
    ['bad name', { issuer: 'https://op.example', name: 'a b' }, /name must match/],
    ['unknown preset', { preset: 'myspace' as never }, /unknown preset/],
    ['microsoft without tenant', { preset: 'microsoft' }, /needs tenant/],
    ['microsoft multi-tenant', { preset: 'microsoft', tenant: 'common' }, /multi-tenant/],
    ['keycloak without realm', { preset: 'keycloak', domain: 'sso.example' }, /needs realm/],
    ['okta with a bad domain', { preset: 'okta', domain: 'evil.test/../x?y' }, /domain .* is not valid/],
    ['tessera without issuer', { preset: 'tessera' }, /needs issuer/],
    ['odd serverMetadataUrl', { serverMetadataUrl: 'https://op.example/metadata.json' }, /serverMetadataUrl must end with/],
  ]
  for (const [name, patch, message] of cases) {
    it(`refuses ${name}`, () => {
      expect(() => normalizeRegistration({ ...base, ...patch } as ProviderRegistration)).toThrow(ClientConfigError)
      expect(() => normalizeRegistration({ ...base, ...patch } as ProviderRegistration)).toThrow(message)
    })
  }

  it('refuses a second provider with the same name', () => {
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: 'x'.repeat(32) })
    oauth.register({ ...base, issuer: 'https://op.example' })
    expect(() => oauth.register({ ...base, issuer: 'https://op.example' })).toThrow(/already registered/)
  })

  it('resolves preset issuer templates', () => {
    const issuer = (patch: Partial<ProviderRegistration>): string => normalizeRegistration({ ...base, ...patch } as ProviderRegistration).issuer
    expect(issuer({ preset: 'google' })).toBe('https://accounts.google.com')
    expect(issuer({ preset: 'microsoft', tenant: '9188040d-6c67-4c5b-b112-36a304b66dad' })).toBe('https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0')
    expect(issuer({ preset: 'gitlab' })).toBe('https://gitlab.com')
    expect(issuer({ preset: 'gitlab', domain: 'git.example.org' })).toBe('https://git.example.org')
    expect(issuer({ preset: 'okta', domain: 'dev-1.okta.com/oauth2/default' })).toBe('https://dev-1.okta.com/oauth2/default')
    expect(issuer({ preset: 'auth0', domain: 'tenant.eu.auth0.com' })).toBe('https://tenant.eu.auth0.com/')
    expect(issuer({ preset: 'keycloak', domain: 'sso.example', realm: 'staff' })).toBe('https://sso.example/realms/staff')
    expect(issuer({ preset: 'tessera', issuer: 'https://id.example' })).toBe('https://id.example')
    expect(issuer({ serverMetadataUrl: 'https://op.example/tenant/.well-known/openid-configuration' })).toBe('https://op.example/tenant')
    expect(issuer({ serverMetadataUrl: 'https://op.example/.well-known/oauth-authorization-server/tenant' })).toBe('https://op.example/tenant')
  })

  it('uses each preset quirk: apple form_post + client_secret_post, github plain OAuth without openid', () => {
    const apple = normalizeRegistration({ ...base, preset: 'apple', scope: 'openid email name' })
    expect(apple).toMatchObject({ responseMode: 'form_post', authMethod: 'client_secret_post', openid: true })
    const github = normalizeRegistration({ ...base, preset: 'github', scope: 'read:user user:email' })
    expect(github).toMatchObject({ openid: false, discovery: 'none', authMethod: 'client_secret_post' })
    expect(normalizeRegistration({ ...base, preset: 'google' }).issuerAliases).toEqual(['accounts.google.com'])
  })
})

describe('transport failures are typed', () => {
  it('an unknown provider name is unknown_provider', async () => {
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: 'x'.repeat(32) })
    expect(await codeOf(oauth.authorizeRedirect(ctx(), 'nope', 'https://app.example/cb'))).toBe('unknown_provider')
  })

  it('a closed port is provider_unreachable, and discovery is retried on the next call', async () => {
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: 'x'.repeat(32), logger: { warn: () => undefined, info: () => undefined } })
    oauth.register({ ...base, issuer: 'http://127.0.0.1:9', allowInsecureLoopback: true })
    expect(await codeOf(oauth.discover('p'))).toBe('provider_unreachable')
    expect(await codeOf(oauth.discover('p'))).toBe('provider_unreachable')
  })

  it('a provider that does not answer in time is provider_unreachable (AbortSignal.timeout)', async () => {
    const silent = createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const oauth = createOAuth({ store: createMemoryClientStore(), secret: 'x'.repeat(32), timeoutMs: 200, logger: { warn: () => undefined, info: () => undefined } })
      oauth.register({ ...base, issuer: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, allowInsecureLoopback: true })
      const started = Date.now()
      expect(await codeOf(oauth.discover('p'))).toBe('provider_unreachable')
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      silent.closeAllConnections()
      silent.close()
    }
  })

  it('warns loudly when allowInsecureLoopback is used', () => {
    const warnings: string[] = []
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: 'x'.repeat(32), logger: { warn: (_object, message) => warnings.push(message), info: () => undefined } })
    oauth.register({ ...base, issuer: 'http://localhost:4000', allowInsecureLoopback: true })
    expect(warnings.join()).toMatch(/allowInsecureLoopback/)
  })
})
