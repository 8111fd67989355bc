import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import { afterAll, describe, expect, it } from 'vitest'
import { createClient, setUserDisabled } from '../../../src/server/admin.js'
import { federation, setClientUpstreams } from '../../../src/server/federation/index.js'
import { Browser, parseForm } from '../../helpers/http-client.js'
import { startTestServer, type TestClient, type TestServer } from '../../helpers/tessera.js'
import { completeInteraction, registerClient } from '../../security/helpers.js'
import { alternativeForms, finishAtTessera, openLoginPage, pressContinue, redeem } from './flow.js'
import { startUpstream } from './upstream-harness.js'

/*
 * Federated login over HTTP against real upstream providers: panva's oidc-provider as a Google-shaped
 * OpenID provider (its own login and consent pages), and a second Tessera as a generic OpenID provider;
 * plus the login page's per-client choice of upstreams and the `idp_hint` that skips it.
 */

interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider

const GOOGLE = { clientId: 'tessera-at-google', clientSecret: 'google-shaped-client-secret-0123456789' }
const UPSTREAM_TESSERA = { clientId: 'downstream-tessera', clientSecret: 'upstream-tessera-client-secret-0123456789' }

// The upstreams listen before Tessera starts (their issuers go into its configuration); oidc-provider is
// configured once Tessera's callback URL is known.
const googleHttp: Server = createServer()
await new Promise<void>((resolve) => googleHttp.listen(0, '127.0.0.1', resolve))
const googleIssuer = `http://127.0.0.1:${(googleHttp.address() as AddressInfo).port}`
const upstreamTessera = await startTestServer({ store: 'memory' })
const scripted = await startUpstream('corp')

const server: TestServer = await startTestServer({
  store: 'memory',
  development: { allowLoopbackFetch: true },
  capabilities: [federation({
    upstreams: [
      { id: 'google', preset: 'google', issuer: googleIssuer, ...GOOGLE },
      { id: 'tessera', preset: 'tessera', issuer: upstreamTessera.url, label: 'Tessera Upstream', ...UPSTREAM_TESSERA },
      { id: 'corp', issuer: scripted.issuer, clientId: scripted.clientId, clientSecret: scripted.clientSecret, label: 'Corp' },
    ],
  })],
})

await createClient(upstreamTessera.store, {
  name: 'Downstream Tessera', clientId: UPSTREAM_TESSERA.clientId, clientSecret: UPSTREAM_TESSERA.clientSecret, authMethod: 'client_secret_basic',
  redirectUris: [`${server.url}/federation/tessera/callback`], grantTypes: ['authorization_code'], scopes: ['openid', 'profile', 'email'],
}, Math.floor(Date.now() / 1000))

const { privateKey } = await generateKeyPair('RS256', { extractable: true })
const Provider = ((await import('oidc-provider' as string)) as { default: ProviderClass }).default
const googleAccounts = new Map<string, Record<string, unknown>>()
const provider = new Provider(googleIssuer, {
  clients: [{
    client_id: GOOGLE.clientId, client_secret: GOOGLE.clientSecret, grant_types: ['authorization_code'], response_types: ['code'],
    redirect_uris: [`${server.url}/federation/google/callback`], token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'google-1' }] },
  cookies: { keys: ['google-shaped-cookie-key-0123456789'] },
  claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name', 'picture'], email: ['email', 'email_verified'] },
  findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id, ...googleAccounts.get(id) }) }),
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
})
googleHttp.on('request', provider.callback())

afterAll(async () => {
  await server.close()
  await upstreamTessera.close()
  await scripted.close()
  googleHttp.closeAllConnections()
  await new Promise((resolve) => googleHttp.close(resolve))
})

const client: TestClient = await registerClient(server)

/** Plays the user at oidc-provider's login and consent pages (a browser of its own: another site). */
async function signInAtGoogle(authorizationUrl: string, account: string): Promise<URL> {
  const browser = new Browser()
  let response = await browser.get(authorizationUrl)
  for (let step = 0; step < 10; step++) {
    const location = response.headers.get('location')
    if (![302, 303].includes(response.status) || location === null) throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`)
    const next = new URL(location, googleIssuer)
    if (next.origin === server.url) return next
    if (!next.pathname.startsWith('/interaction/')) {
      response = await browser.get(next.href)
      continue
    }
    const form = parseForm(await (await browser.get(next.href)).text())
    const answer: Record<string, string> = form.fields.prompt === 'login' ? { login: account, password: 'any' } : {}
    response = await browser.post(new URL(form.action, next).href, { ...form.fields, ...answer })
  }
  throw new Error('oidc-provider did not come back to Tessera')
}

describe('federated login through real upstream providers', () => {
  it('signs in through oidc-provider (Google-shaped) and provisions an account from the mapped claims', async () => {
    googleAccounts.set('g-olivia-1', { name: 'Olivia Upstream', given_name: 'Olivia', email: 'olivia@gmail.test', email_verified: true })
    const browser = new Browser()
    const started = await openLoginPage(server, browser, client)
    const toGoogle = await pressContinue(browser, started.loginHtml, 'Google')
    const authorization = new URL(toGoogle.headers.get('location') ?? '')
    expect(`${authorization.origin}${authorization.pathname}`).toBe(`${googleIssuer}/auth`)
    const callback = await signInAtGoogle(authorization.href, 'g-olivia-1')
    expect(callback.searchParams.get('iss')).toBe(googleIssuer)
    const redirect = await finishAtTessera(server, browser, await browser.get(callback.href))
    const { idToken } = await redeem(server, client, redirect, started.verifier)
    expect(idToken.iss).toBe(server.url)
    expect(idToken.sub).not.toBe('g-olivia-1')
    expect(idToken.amr).toEqual(['fed'])
    const user = await server.store.users.get(String(idToken.sub))
    expect(user).toMatchObject({ name: 'Olivia Upstream', given_name: 'Olivia', email: 'olivia@gmail.test', email_verified: true })
    expect(user?.password_hash.startsWith('!')).toBe(true)
  })

  it('refuses an account the operator disabled: the upstream\'s sign-in ends on the login page, and no session starts', async () => {
    googleAccounts.set('g-dora-1', { name: 'Dora Upstream', email: 'dora@gmail.test', email_verified: true })
    const first = new Browser()
    const started = await openLoginPage(server, first, client)
    const callback = await signInAtGoogle(new URL((await pressContinue(first, started.loginHtml, 'Google')).headers.get('location') ?? '').href, 'g-dora-1')
    const { idToken } = await redeem(server, client, await finishAtTessera(server, first, await first.get(callback.href)), started.verifier)
    await setUserDisabled(server.store, String(idToken.sub), true, Math.floor(Date.now() / 1000))
    const again = new Browser()
    const retry = await openLoginPage(server, again, client)
    const back = await signInAtGoogle(new URL((await pressContinue(again, retry.loginHtml, 'Google')).headers.get('location') ?? '').href, 'g-dora-1')
    const refused = await again.get(back.href)
    expect(refused.status).toBe(403)
    expect(await refused.text()).toContain('This account cannot sign in')
    expect(refused.headers.get('set-cookie') ?? '').not.toContain('tessera-session')
  })

  it('signs in through a second Tessera (its password form and consent) and lands as the downstream\'s own user', async () => {
    const browser = new Browser()
    const started = await openLoginPage(server, browser, client)
    const toUpstream = await pressContinue(browser, started.loginHtml, 'Tessera Upstream')
    expect(toUpstream.headers.get('location')).toMatch(new RegExp(`^${upstreamTessera.url}/authorize\\?`))
    const upstreamBrowser = new Browser()
    const outcome = await completeInteraction(upstreamTessera, upstreamBrowser, await upstreamBrowser.get(toUpstream.headers.get('location') ?? ''), { user: upstreamTessera.users.alice })
    const callback = outcome.response.headers.get('location') ?? ''
    expect(callback.startsWith(`${server.url}/federation/tessera/callback?`)).toBe(true)
    const redirect = await finishAtTessera(server, browser, await browser.get(callback))
    const { idToken } = await redeem(server, client, redirect, started.verifier)
    expect(idToken.sub).not.toBe(upstreamTessera.users.alice.id)
    expect(idToken.sub).not.toBe(server.users.alice.id)
    const user = await server.store.users.get(String(idToken.sub))
    // The upstream's alice is not the downstream's alice: a name of her own, with a suffix.
    expect(user?.username).not.toBe('alice')
    expect(user?.name).toBe('Alice Liddell')
  })
})

describe('the login page\'s choice of upstreams', () => {
  it('offers only the upstreams on the client\'s allow-list, and refuses the others', async () => {
    const limited = await registerClient(server)
    await setClientUpstreams(server.store, limited.id, ['corp'])
    const browser = new Browser()
    const started = await openLoginPage(server, browser, limited)
    expect([...alternativeForms(started.loginHtml).keys()]).toEqual(['Corp'])
    const corp = alternativeForms(started.loginHtml).get('Corp')
    const other = await browser.post(`${server.url}/federation/google/login`, corp?.fields ?? {})
    expect(other.status).toBe(400)
    await setClientUpstreams(server.store, limited.id, [])
    const none = await openLoginPage(server, new Browser(), limited)
    expect(alternativeForms(none.loginHtml).size).toBe(0)
    expect(none.loginHtml).toContain('name="password"')
  })

  it('offers every upstream when the client has no list', async () => {
    const started = await openLoginPage(server, new Browser(), client)
    expect([...alternativeForms(started.loginHtml).keys()]).toEqual(['Google', 'Tessera Upstream', 'Corp'])
  })

  it.each(['idp_hint', 'kc_idp_hint'])('%s naming an allowed upstream skips the chooser', async (parameter) => {
    const browser = new Browser()
    const started = await openLoginPage(server, browser, client, { [parameter]: 'corp' })
    expect(started.loginHtml).toBe('')
    const again = await browser.get(started.interactionUrl)
    expect(again.status).toBe(303)
    expect(new URL(again.headers.get('location') ?? '').origin).toBe(scripted.issuer)
  })

  it('idp_hint redirects to the upstream, and the sign-in completes', async () => {
    scripted.script = { sub: 'hinted-user-1' }
    const browser = new Browser()
    const started = await openLoginPage(server, browser, client, { idp_hint: 'corp' })
    const first = await browser.get(started.interactionUrl)
    expect(first.status).toBe(303)
    const location = new URL(first.headers.get('location') ?? '')
    expect(location.origin).toBe(scripted.issuer)
    const back = await browser.get(location.href)
    const redirect = await finishAtTessera(server, browser, await browser.get(back.headers.get('location') ?? ''))
    const { idToken } = await redeem(server, client, redirect, started.verifier)
    expect(idToken.amr).toEqual(['fed'])
  })

  it('an idp_hint naming an upstream the client may not use shows the login page', async () => {
    const limited = await registerClient(server)
    await setClientUpstreams(server.store, limited.id, ['google'])
    const started = await openLoginPage(server, new Browser(), limited, { idp_hint: 'corp' })
    expect(started.loginHtml).toContain('name="password"')
    expect([...alternativeForms(started.loginHtml).keys()]).toEqual(['Google'])
  })
})
