/**
 * Catalogue wave 2, §16 Resource indicators (RFC 8707): several resources per grant, one audience per
 * token, invalid_target for malformed, unknown or unpermitted resources, scopes that belong to their
 * resource. API_AUD and API_AUD2 are stored resources created after the server started (as `tessera
 * resource create` does), and each resource server verifies tokens with `tessera-oidc/resource` against the
 * authorization server through `handle()`. RI-06 (the client library) is tested with the client.
 */
import { describe, expect, it } from 'vitest'
import { fromWebRequest, toWebResponse } from '../../src/http/web.js'
import type { OAuthResponse } from '../../src/http/types.js'
import { createResourceServer, type ResourceServer } from '../../src/resource/index.js'
import { createClient } from '../../src/server/admin.js'
import { createStoredResource } from '../../src/server/resources/resource-admin.js'
import { newPkce } from '../helpers/pkce.js'
import {
  authorizationQuery, basic, createHarness, csrfTokenOf, ISSUER, json, location, REDIRECT_URI, START, text, type Browser, type Harness,
} from '../helpers/server-values.js'

const API_AUD = 'http://127.0.0.1:6000/api'
const API_AUD2 = 'http://127.0.0.1:6001/api2'
const API_AUD3 = 'http://127.0.0.1:6002/api3'
const CONF = { id: 'conf', secret: 'conf-secret' }
const M2M = { id: 'm2m-ri', secret: 'm2m-ri-secret' }

interface Fixture {
  harness: Harness
  rs: ResourceServer
  rs2: ResourceServer
}

/** `fetch` answered by the authorization server's `handle()`: discovery, JWKS and introspection without sockets. */
function viaServer(harness: Harness): typeof fetch {
  return async (input, init) => toWebResponse(await harness.server.handle(await fromWebRequest(new Request(input, init), { remoteAddress: '127.0.0.1' })))
}

async function fixture(options: { accessTokenFormat?: 'jwt' | 'opaque' } = {}): Promise<Fixture> {
  const harness = await createHarness(options)
  const { store } = harness
  const api = await createStoredResource(store, { identifier: API_AUD, scopes: { 'api.read': 'Read the API', 'api.write': 'Change the API' }, now: START })
  const api2 = await createStoredResource(store, { identifier: API_AUD2, scopes: { 'api2.read': 'Read the second API', 'api2.write': 'Change the second API' }, now: START })
  // A resource `conf` may not use: none of its scopes is among the client's.
  await createStoredResource(store, { identifier: API_AUD3, scopes: { 'api3.read': 'Read the third API' }, now: START })
  await createClient(store, {
    name: 'Confidential app', clientId: CONF.id, clientSecret: CONF.secret, grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [REDIRECT_URI],
    scopes: ['openid', 'offline_access', 'api.read', 'api.write', 'api2.read', 'api2.write'],
  }, START)
  await createClient(store, { name: 'Machine', clientId: M2M.id, clientSecret: M2M.secret, grantTypes: ['client_credentials'], scopes: ['api.read', 'api2.read'] }, START)
  const fetch = viaServer(harness)
  const now = () => harness.clock.now
  const introspection = options.accessTokenFormat === 'opaque'
  const rs = createResourceServer({
    issuer: ISSUER, audience: API_AUD, fetch, now, jwksUri: `${ISSUER}/jwks`,
    ...(introspection ? { introspection: { clientId: api.resource.client_id, clientSecret: api.clientSecret, cacheTtl: 0 } } : {}),
  })
  const rs2 = createResourceServer({
    issuer: ISSUER, audience: API_AUD2, fetch, now, jwksUri: `${ISSUER}/jwks`,
    ...(introspection ? { introspection: { clientId: api2.resource.client_id, clientSecret: api2.clientSecret, cacheTtl: 0 } } : {}),
  })
  return { harness, rs, rs2 }
}

function authorizeUrl(challenge: string, scope: string, resources: readonly string[]): string {
  const query = authorizationQuery('app', challenge, scope).replace('client_id=app&', `client_id=${CONF.id}&`)
  return query + resources.map((resource) => `&resource=${encodeURIComponent(resource)}`).join('')
}

interface Authorization {
  browser: Browser
  verifier: string
  /** The consent page, when one was shown. */
  consentPage?: string
  /** Where the browser was finally sent: the client's redirect URI with a code or an error. */
  redirect: URL
}

/** The authorization request, login as alice and (when asked) consent. */
async function authorize(harness: Harness, scope: string, resources: readonly string[]): Promise<Authorization> {
  const browser = harness.browser()
  const pkce = newPkce()
  const interaction = location(await browser.get(authorizeUrl(pkce.challenge, scope, resources)))
  expect(interaction.href.startsWith(`${ISSUER}/interaction/`)).toBe(true)
  let next = location(await browser.logIn(interaction))
  let consentPage: string | undefined
  if (next.href.startsWith(`${ISSUER}/interaction/`)) {
    const page = await browser.get(next)
    consentPage = text(page)
    next = location(await browser.post(`${next.href}/consent`, { csrf_token: csrfTokenOf(page), decision: 'allow' }))
  }
  return { browser, verifier: pkce.verifier, redirect: next, ...(consentPage !== undefined ? { consentPage } : {}) }
}

function tokenRequest(harness: Harness, client: { id: string; secret: string }, form: [string, string][]): Promise<OAuthResponse> {
  return harness.send('POST', '/token', { form, headers: { authorization: basic(client.id, client.secret) } })
}

function redeem(harness: Harness, authorization: Authorization, resources: readonly string[]): Promise<OAuthResponse> {
  const code = authorization.redirect.searchParams.get('code')
  if (code === null) throw new Error(`no code in ${authorization.redirect.href}`)
  return tokenRequest(harness, CONF, [
    ['grant_type', 'authorization_code'], ['code', code], ['code_verifier', authorization.verifier], ['redirect_uri', REDIRECT_URI],
    ...resources.map((resource): [string, string] => ['resource', resource]),
  ])
}

function refresh(harness: Harness, refreshToken: string, resources: readonly string[]): Promise<OAuthResponse> {
  return tokenRequest(harness, CONF, [['grant_type', 'refresh_token'], ['refresh_token', refreshToken], ...resources.map((resource): [string, string] => ['resource', resource])])
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
}

function tokenOf(response: OAuthResponse): { access: string; refresh: string; scope: string } {
  expect(response.status, text(response)).toBe(200)
  const body = json(response)
  return { access: String(body.access_token), refresh: String(body.refresh_token), scope: String(body.scope) }
}

async function accepts(rs: ResourceServer, token: string): Promise<boolean> {
  try {
    await rs.verifyToken(token)
    return true
  } catch {
    return false
  }
}

function expectTokenError(response: OAuthResponse, error: string): void {
  expect(response.status, text(response)).toBe(400)
  expect(json(response).error).toBe(error)
  expect(json(response).access_token).toBeUndefined()
}

function expectRedirectError(authorization: Authorization, error: string): void {
  const target = authorization.redirect
  expect(`${target.origin}${target.pathname}`).toBe(REDIRECT_URI)
  expect(target.searchParams.get('error')).toBe(error)
  expect(target.searchParams.get('code')).toBeNull()
  expect(target.searchParams.get('state')).toBe('state-1')
}

describe('RI: resource indicators (RFC 8707)', () => {
  it('RI-01 several resources authorized, one resource per access token, each resource server accepting only its own', async () => {
    const { harness, rs, rs2 } = await fixture()
    const authorization = await authorize(harness, 'openid offline_access api.read api2.read', [API_AUD, API_AUD2])
    // Consent lists both resources, each with its own scope.
    const page = authorization.consentPage ?? ''
    expect(page).toMatch(new RegExp(`${API_AUD}</span>[^]*?<li>Read the API</li>`))
    expect(page).toMatch(new RegExp(`${API_AUD2}</span>[^]*?<li>Read the second API</li>`))

    const first = tokenOf(await redeem(harness, authorization, [API_AUD]))
    expect(claimsOf(first.access)).toMatchObject({ aud: API_AUD, scope: 'openid offline_access api.read' })
    expect(first.scope).toBe('openid offline_access api.read')

    const second = tokenOf(await refresh(harness, first.refresh, [API_AUD2]))
    expect(claimsOf(second.access)).toMatchObject({ aud: API_AUD2, scope: 'openid offline_access api2.read' })

    // No resource at the token endpoint: the first resource of the authorization request, alone.
    const third = tokenOf(await refresh(harness, second.refresh, []))
    expect(claimsOf(third.access).aud).toBe(API_AUD)

    // Both, when the token request asks for both (RFC 8707 §2.2 allows it).
    const both = tokenOf(await refresh(harness, third.refresh, [API_AUD, API_AUD2]))
    expect(claimsOf(both.access)).toMatchObject({ aud: [API_AUD, API_AUD2], scope: 'openid offline_access api.read api2.read' })

    expect(await accepts(rs, first.access)).toBe(true)
    expect(await accepts(rs2, first.access)).toBe(false)
    expect(await accepts(rs2, second.access)).toBe(true)
    expect(await accepts(rs, second.access)).toBe(false)
  })

  it('RI-01 with opaque tokens: each resource server, introspecting with its own credentials, accepts only its own token', async () => {
    const { harness, rs, rs2 } = await fixture({ accessTokenFormat: 'opaque' })
    const authorization = await authorize(harness, 'openid offline_access api.read api2.read', [API_AUD, API_AUD2])
    const first = tokenOf(await redeem(harness, authorization, [API_AUD]))
    const second = tokenOf(await refresh(harness, first.refresh, [API_AUD2]))
    expect(first.access).not.toContain('.')
    expect(await accepts(rs, first.access)).toBe(true)
    expect(await accepts(rs2, first.access)).toBe(false)
    expect(await accepts(rs2, second.access)).toBe(true)
    expect(await accepts(rs, second.access)).toBe(false)
  })

  describe('RI-02 invalid or unauthorised targets → invalid_target', () => {
    for (const [name, resource] of [['relative', 'api'], ['with a fragment', 'http://127.0.0.1:6000/api#f'], ['not a URI', 'not a uri']] as const) {
      it(`RI-02 a resource ${name} at the authorization endpoint → error page, no redirect`, async () => {
        const { harness } = await fixture()
        const response = await harness.browser().get(authorizeUrl(newPkce().challenge, 'openid api.read', [resource]))
        expect(response.status).toBe(400)
        expect(response.headers.get('location')).toBeNull()
        expect(response.headers.get('content-type')).toMatch(/^text\/html/)
        expect(text(response)).toContain('invalid_target')
      })
    }

    it('RI-02 an unknown resource → redirect error invalid_target once the user authenticated', async () => {
      const { harness } = await fixture()
      const pkce = newPkce()
      // Before login nothing is said about the resource: the browser goes to the login page.
      const first = location(await harness.browser().get(authorizeUrl(pkce.challenge, 'openid api.read', ['http://127.0.0.1:6999/unknown'])))
      expect(first.href.startsWith(`${ISSUER}/interaction/`)).toBe(true)
      expectRedirectError(await authorize(harness, 'openid api.read', ['http://127.0.0.1:6999/unknown']), 'invalid_target')
    })

    it('RI-02 a resource the client may not use → redirect error invalid_target', async () => {
      const { harness } = await fixture()
      expectRedirectError(await authorize(harness, 'openid', [API_AUD3]), 'invalid_target')
      expectRedirectError(await authorize(harness, 'openid api.read', [API_AUD, API_AUD3]), 'invalid_target')
    })

    it('RI-02 a logged-in user gets the redirect error at once (no new login)', async () => {
      const { harness } = await fixture()
      const authorization = await authorize(harness, 'openid api.read', [API_AUD])
      expect(authorization.redirect.searchParams.get('code')).not.toBeNull()
      const again = location(await authorization.browser.get(authorizeUrl(newPkce().challenge, 'openid api.read', ['http://127.0.0.1:6999/unknown'])))
      expect(`${again.origin}${again.pathname}`).toBe(REDIRECT_URI)
      expect(again.searchParams.get('error')).toBe('invalid_target')
    })

    it('RI-02 a token request for a resource outside the grant → token error invalid_target, never a token', async () => {
      const { harness } = await fixture()
      const authorization = await authorize(harness, 'openid offline_access api.read api2.read', [API_AUD])
      // api2.read cannot be granted for API_AUD alone: the authorization itself is refused (RI-05).
      expectRedirectError(authorization, 'invalid_scope')

      const only = await authorize(harness, 'openid offline_access api.read', [API_AUD])
      expectTokenError(await redeem(harness, only, [API_AUD2]), 'invalid_target')
      // The code was used by the refused request (RFC 6749 §4.1.2: single use); a fresh one for the rest.
      const tokens = tokenOf(await redeem(harness, await authorize(harness, 'openid offline_access api.read', [API_AUD]), [API_AUD]))
      expectTokenError(await refresh(harness, tokens.refresh, [API_AUD2]), 'invalid_target')
      expectTokenError(await refresh(harness, tokens.refresh, ['http://127.0.0.1:6999/unknown']), 'invalid_target')
      expectTokenError(await refresh(harness, tokens.refresh, ['not a uri']), 'invalid_target')
      // The refused refreshes did not use the token up.
      expect(claimsOf(tokenOf(await refresh(harness, tokens.refresh, [API_AUD])).access).aud).toBe(API_AUD)
    })

    it('RI-02 client credentials with an unknown, unpermitted or malformed resource → invalid_target', async () => {
      const { harness } = await fixture()
      for (const resource of ['http://127.0.0.1:6999/unknown', API_AUD3, 'api', 'http://127.0.0.1:6000/api#f']) {
        expectTokenError(await tokenRequest(harness, M2M, [['grant_type', 'client_credentials'], ['resource', resource]]), 'invalid_target')
      }
      const granted = json(await tokenRequest(harness, M2M, [['grant_type', 'client_credentials'], ['resource', API_AUD2]]))
      expect(claimsOf(String(granted.access_token))).toMatchObject({ aud: API_AUD2, scope: 'api2.read' })
      expect(granted.scope).toBe('api2.read')
    })
  })

  it('RI-05 scopes belong to resources: a foreign scope → invalid_scope; a token for API_AUD2 carries api2.read only; introspection agrees with the JWT', async () => {
    const { harness } = await fixture()
    // api.write is defined only for API_AUD.
    expectRedirectError(await authorize(harness, 'api.write', [API_AUD2]), 'invalid_scope')

    const authorization = await authorize(harness, 'api.read api2.read', [API_AUD, API_AUD2])
    const page = authorization.consentPage ?? ''
    expect(page).toMatch(new RegExp(`${API_AUD}</span>, Confidential app will be able to:</p>\\s*<ul class="scopes">\\s*<li>Read the API</li>\\s*</ul>`))
    expect(page).toMatch(new RegExp(`${API_AUD2}</span>, Confidential app will be able to:</p>\\s*<ul class="scopes">\\s*<li>Read the second API</li>\\s*</ul>`))

    const body = json(await redeem(harness, authorization, [API_AUD2]))
    const access = String(body.access_token)
    const claims = claimsOf(access)
    expect(claims).toMatchObject({ aud: API_AUD2, scope: 'api2.read' })
    expect(body.scope).toBe('api2.read')
    const introspected = json(await harness.send('POST', '/introspect', { form: { token: access }, headers: { authorization: basic(CONF.id, CONF.secret) } }))
    expect(introspected).toMatchObject({ active: true, aud: claims.aud, scope: claims.scope })
  })
})
