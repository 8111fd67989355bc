import { afterAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { sha256 } from '../../src/crypto/random.js'
import { decodeBase32 } from '../../src/protocol/rfc6238/base32.js'
import { hotp, timeStep } from '../../src/protocol/rfc6238/totp.js'
import { setUserRequireMfa } from '../../src/server/mfa/policy.js'
import { federation, type UpstreamProvider } from '../../src/server/federation/index.js'
import type { ServerContext } from '../../src/server/context.js'
import { sessionCsrfToken } from '../../src/server/session.js'
import { federatedIdentities } from '../../src/storage/kinds/federated-identities.js'
import { LOGIN_SESSION } from '../../src/storage/kinds/sessions.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { SECRET, type TestServer } from '../helpers/tessera.js'
import { alternativeForms, atUpstream, federatedLogin, finishAtTessera, openLoginPage, pressContinue, redeem } from '../server/federation/flow.js'
import { startUpstream, type Upstream } from '../server/federation/upstream-harness.js'
import { registerClient, securityServerForFile, withSecurityServer } from './helpers.js'

/*
 * Catalogue §24 (FD): federated login at the OP. Tessera signs users in at upstream providers through the
 * relying party's broker: `upA` (Google-shaped OIDC), `upB` (attacker-controlled OIDC) and `upG`
 * (GitHub-shaped OAuth 2.0 with a user API), all scriptable harnesses on loopback
 * (test/server/federation/upstream-harness.ts).
 */

const upA = await startUpstream('upA')
const upB = await startUpstream('upB')
const upG = await startUpstream('upG', 'github')
afterAll(() => Promise.all([upA, upB, upG].map((upstream) => upstream.close())))

function upstreamConfig(upstream: Upstream, extra: Partial<UpstreamProvider> = {}): UpstreamProvider {
  return { id: upstream.name, issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, label: upstream.name, ...extra }
}

const logLines: string[] = []
const server = await securityServerForFile({
  development: { allowLoopbackFetch: true },
  logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
  capabilities: [federation({ upstreams: [upstreamConfig(upA), upstreamConfig(upB), upstreamConfig(upG, { preset: 'github' })] })],
})
const client = await registerClient(server)

let counter = 0
/** A fresh upstream subject, so every case starts without an account. */
const fresh = (prefix: string): string => `${prefix}-${++counter}-${Date.now().toString(36)}`

/** Signs in through `upstream` as the scripted user and returns the ID token Tessera issued to `client`. */
async function signInVia(upstream: Upstream, browser = new Browser()) {
  const { response, verifier } = await federatedLogin(server, browser, client, upstream.name)
  expect(response.status, await response.clone().text()).toBe(303)
  return { ...(await redeem(server, client, response, verifier)), browser, redirect: response }
}

/** The callback URL the upstream sends the browser back to after pressing "Continue with …". */
async function callbackFor(upstream: Upstream, browser: Browser): Promise<URL> {
  const started = await openLoginPage(server, browser, client)
  return atUpstream(browser, await pressContinue(browser, started.loginHtml, upstream.name))
}

/** A callback refused: the error page, no login session, and (when asked) no token request at the upstream. */
async function expectRefused(response: Response, upstream?: Upstream, tokenRequestsBefore?: number): Promise<string> {
  const html = await response.text()
  expect(response.status).toBeGreaterThanOrEqual(400)
  expect(response.headers.get('content-type')).toMatch(/text\/html/)
  expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith('tessera-session='))).toBe(false)
  if (upstream && tokenRequestsBefore !== undefined) expect(upstream.tokenRequests()).toHaveLength(tokenRequestsBefore)
  return html
}

async function userOf(sub: unknown) {
  return server.store.users.get(String(sub))
}

describe('FD-01 upstream identities are keyed on (issuer, sub), not on email', () => {
  const alice = () => server.users.alice

  it.each([
    ['false', false],
    ['absent', undefined],
    ['the string "false"', 'false'],
    ['true', true],
  ])('FD-01 upA asserts alice\'s email with email_verified %s: a new account, never alice\'s', async (_label, verified) => {
    upA.script = { sub: fresh('upA-new'), claims: { email: 'alice@example.com', ...(verified === undefined ? {} : { email_verified: verified }) } }
    const { idToken } = await signInVia(upA)
    expect(idToken.sub).not.toBe(alice().id)
    const created = await userOf(idToken.sub)
    expect(created?.username).not.toBe('alice')
    // alice holds the address: even a verified assertion does not give it to the new account.
    expect(created?.email).toBeNull()
  })

  it('FD-01 upB asserts alice\'s email with email_verified true: a new account', async () => {
    upB.script = { sub: fresh('upB-new'), claims: { email: 'alice@example.com', email_verified: true } }
    const { idToken } = await signInVia(upB)
    expect(idToken.sub).not.toBe(alice().id)
  })

  it('FD-01 an Entra-style mutable email from an unverified domain: a new account', async () => {
    upA.script = { sub: fresh('entra'), claims: { email: 'alice@example.com', upn: 'alice@example.com', tid: 'unverified-tenant' } }
    const { idToken } = await signInVia(upA)
    expect(idToken.sub).not.toBe(alice().id)
  })

  it('FD-01 upG user whose login is "alice": keyed on the numeric id, a new account, and the same one after a rename', async () => {
    const id = String(900_000 + ++counter)
    upG.script = { sub: id, claims: { login: 'alice', name: 'Not Alice' }, emails: [{ email: 'alice@example.com', primary: true, verified: true }] }
    const first = await signInVia(upG)
    expect(first.idToken.sub).not.toBe(alice().id)
    const created = await userOf(first.idToken.sub)
    expect(created?.username).not.toBe('alice')
    expect(await federatedIdentities(server.store.records).find(upG.issuer, id, Math.floor(Date.now() / 1000))).toMatchObject({ user_id: first.idToken.sub, upstream: 'upG' })

    upG.script = { sub: id, claims: { login: 'renamed-login' } }
    const second = await signInVia(upG)
    expect(second.idToken.sub).toBe(first.idToken.sub)
  })

  it('FD-01 the same upstream identity signs in to the same account again', async () => {
    upA.script = { sub: fresh('returning') }
    const first = await signInVia(upA)
    const second = await signInVia(upA)
    expect(second.idToken.sub).toBe(first.idToken.sub)
  })
})

/** The login session id (hash) behind the browser's session cookie, and its link CSRF token. */
function sessionOf(browser: Browser): { idHash: string; csrf: string } {
  const value = browser.jar.get('tessera-session') ?? ''
  const idHash = sha256(value.split('.')[0] ?? '')
  const ctx = { config: { secret: SECRET } } as unknown as ServerContext
  return { idHash, csrf: sessionCsrfToken(ctx, idHash, 'federation') }
}

/** A browser where `user` signed in with their password just now. */
async function passwordBrowser(user: 'alice' | 'bob'): Promise<Browser> {
  const browser = new Browser()
  const started = await openLoginPage(server, browser, client)
  const csrf = /name="csrf_token" value="([^"]*)"/.exec(started.loginHtml)?.[1] ?? ''
  const credentials = server.users[user]
  const answer = await browser.post(`${started.interactionUrl}/login`, { csrf_token: csrf, username: credentials.username, password: credentials.password })
  expect(answer.status).toBe(303)
  return browser
}

async function startLink(browser: Browser, upstream: Upstream, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Response> {
  return browser.post(`${server.url}/federation/${upstream.name}/link`, { csrf_token: sessionOf(browser).csrf, return_to: '/account', ...fields }, headers)
}

describe('FD-03 explicit linking is bound to the user, the browser session and the exact upstream identity', () => {
  it('FD-03 alice links U1 right after signing in; U1 then signs in to alice\'s account', async () => {
    const browser = await passwordBrowser('alice')
    const u1 = fresh('U1')
    upA.script = { sub: u1 }
    const callback = await atUpstream(browser, await startLink(browser, upA))
    const linked = await browser.get(callback.href)
    expect(linked.status).toBe(303)
    expect(linked.headers.get('location')).toBe('/account')
    const { idToken } = await signInVia(upA)
    expect(idToken.sub).toBe(server.users.alice.id)
    expect(idToken.amr).toEqual(['fed'])
  })

  it('FD-03 (a) linking long after the sign-in needs a new sign-in', async () => {
    const browser = await passwordBrowser('alice')
    const { idHash } = sessionOf(browser)
    const now = Math.floor(Date.now() / 1000)
    const record = await server.store.records.get(LOGIN_SESSION, idHash, now)
    if (!record) throw new Error('no session')
    await server.store.records.put(LOGIN_SESSION, { key: idHash, value: { ...record.value, auth_time: now - 3600 }, expiresAt: record.expiresAt, subject: record.subject }, { replace: true })
    const before = upA.log.length
    const answer = await startLink(browser, upA)
    expect(answer.status).toBe(403)
    expect(await answer.text()).toMatch(/Sign in again/)
    expect(upA.log).toHaveLength(before)
  })

  it('FD-03 (b) alice\'s link callback opened in bob\'s browser is refused, and nothing is linked', async () => {
    const alice = await passwordBrowser('alice')
    const bob = await passwordBrowser('bob')
    const u = fresh('U-b')
    upA.script = { sub: u }
    const callback = await atUpstream(alice, await startLink(alice, upA))
    const before = upA.tokenRequests().length
    await expectRefused(await bob.get(callback.href), upA, before)
    expect(await federatedIdentities(server.store.records).find(upA.issuer, u, Math.floor(Date.now() / 1000))).toBeUndefined()
  })

  it('FD-03 (c) a foreign page cannot start a link: GET 405, POST without the CSRF field or from another origin 403', async () => {
    const browser = await passwordBrowser('alice')
    const get = await browser.get(`${server.url}/federation/upA/link`)
    expect(get.status).toBe(405)
    const noToken = await browser.post(`${server.url}/federation/upA/link`, { return_to: '/account' })
    expect(noToken.status).toBe(403)
    const foreign = await startLink(browser, upA, {}, { origin: 'https://attacker.test' })
    expect(foreign.status).toBe(403)
    const unlinkForeign = await browser.post(`${server.url}/federation/upA/unlink`, { return_to: '/account' })
    expect(unlinkForeign.status).toBe(403)
  })

  it('FD-03 (d) only the identity verified in alice\'s own transaction is linked; the attacker\'s U2 callback is refused in her browser', async () => {
    const alice = await passwordBrowser('alice')
    const attacker = await passwordBrowser('bob')
    const u1 = fresh('U1-d')
    const u2 = fresh('U2-d')
    upA.script = { sub: u2 }
    const attackerCallback = await atUpstream(attacker, await startLink(attacker, upA))
    upA.script = { sub: u1 }
    const aliceCallback = await atUpstream(alice, await startLink(alice, upA))
    await expectRefused(await alice.get(attackerCallback.href))
    expect((await alice.get(aliceCallback.href)).status).toBe(303)
    const now = Math.floor(Date.now() / 1000)
    const identities = federatedIdentities(server.store.records)
    expect(await identities.find(upA.issuer, u1, now)).toMatchObject({ user_id: server.users.alice.id, origin: 'linked' })
    expect(await identities.find(upA.issuer, u2, now)).toBeUndefined()
  })

  it('FD-03 an identity that belongs to another account is not moved by a link', async () => {
    const u = fresh('owned')
    upA.script = { sub: u }
    const { idToken } = await signInVia(upA)
    const alice = await passwordBrowser('alice')
    const callback = await atUpstream(alice, await startLink(alice, upA))
    const answer = await alice.get(callback.href)
    expect(answer.status).toBe(409)
    expect((await federatedIdentities(server.store.records).find(upA.issuer, u, Math.floor(Date.now() / 1000)))?.user_id).toBe(idToken.sub)
  })

  it('FD-03 unlinking removes the identity from the signed-in user\'s account', async () => {
    const browser = await passwordBrowser('bob')
    const u = fresh('unlink')
    upB.script = { sub: u }
    await browser.get((await atUpstream(browser, await startLink(browser, upB))).href)
    const identities = federatedIdentities(server.store.records)
    expect(await identities.find(upB.issuer, u, Math.floor(Date.now() / 1000))).toBeDefined()
    const answer = await browser.post(`${server.url}/federation/upB/unlink`, { csrf_token: sessionOf(browser).csrf, return_to: '/account' })
    expect(answer.status).toBe(303)
    expect(await identities.find(upB.issuer, u, Math.floor(Date.now() / 1000))).toBeUndefined()
  })
})

describe('FD-04 upstream transaction integrity at the broker', () => {
  it('FD-04 the authorization request to upA carries state, nonce, PKCE S256 and the exact redirect URI', async () => {
    const browser = new Browser()
    const started = await openLoginPage(server, browser, client)
    const toUpstream = await pressContinue(browser, started.loginHtml, 'upA')
    const request = new URL(toUpstream.headers.get('location') ?? '')
    expect(request.origin).toBe(upA.issuer)
    expect(request.searchParams.get('redirect_uri')).toBe(`${server.url}/federation/upA/callback`)
    expect(request.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32,}$/)
    expect(request.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{32,}$/)
    expect(request.searchParams.get('code_challenge_method')).toBe('S256')
    expect(request.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(request.searchParams.get('client_id')).toBe(upA.clientId)
  })

  it('FD-04 the GitHub-shaped flow uses state and PKCE too', async () => {
    const browser = new Browser()
    const started = await openLoginPage(server, browser, client)
    const request = new URL((await pressContinue(browser, started.loginHtml, 'upG')).headers.get('location') ?? '')
    expect(request.pathname).toBe('/login/oauth/authorize')
    expect(request.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32,}$/)
    expect(request.searchParams.get('code_challenge_method')).toBe('S256')
    expect(request.searchParams.get('redirect_uri')).toBe(`${server.url}/federation/upG/callback`)
  })

  it.each([
    ['a wrong state', (url: URL) => url.searchParams.set('state', 'not-the-state')],
    ['no state', (url: URL) => url.searchParams.delete('state')],
  ])('FD-04 a callback with %s: error page, no session, no token request', async (_label, tamper) => {
    upA.script = { sub: fresh('state') }
    const browser = new Browser()
    const callback = await callbackFor(upA, browser)
    tamper(callback)
    const before = upA.tokenRequests().length
    await expectRefused(await browser.get(callback.href), upA, before)
  })

  it('FD-04 a replayed callback is refused', async () => {
    upA.script = { sub: fresh('replay') }
    const browser = new Browser()
    const callback = await callbackFor(upA, browser)
    expect((await finishAtTessera(server, browser, await browser.get(callback.href))).status).toBe(303)
    const before = upA.tokenRequests().length
    await expectRefused(await browser.get(callback.href), upA, before)
  })

  it('FD-04 a callback without the transaction cookie (another browser): refused before any token request', async () => {
    upA.script = { sub: fresh('other-browser') }
    const callback = await callbackFor(upA, new Browser())
    const before = upA.tokenRequests().length
    await expectRefused(await new Browser().get(callback.href), upA, before)
  })

  it('FD-04 a upG callback without state: refused before any token request', async () => {
    upG.script = { sub: String(700_000 + ++counter), claims: { login: 'someone' } }
    const browser = new Browser()
    const callback = await callbackFor(upG, browser)
    callback.searchParams.delete('state')
    const before = upG.tokenRequests().length
    await expectRefused(await browser.get(callback.href), upG, before)
  })

  it.each([
    ['a wrong nonce', { idToken: (claims: Record<string, unknown>) => ({ ...claims, nonce: 'someone-elses-nonce' }) }],
    ['a wrong aud', { idToken: (claims: Record<string, unknown>) => ({ ...claims, aud: 'another-client' }) }],
    ['the iss of upB', { idToken: (claims: Record<string, unknown>) => ({ ...claims, iss: upB.issuer }) }],
    ['alg none', { alg: 'none' as const }],
    ['HS256 with Tessera\'s client secret at upA', { alg: 'HS256' as const }],
    ['an expired exp', { idToken: (claims: Record<string, unknown>) => ({ ...claims, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }) }],
  ])('FD-04 an ID token with %s: error page, no session, no account', async (_label, script) => {
    const sub = fresh('bad-id-token')
    upA.script = { sub, ...script }
    const browser = new Browser()
    const callback = await callbackFor(upA, browser)
    await expectRefused(await browser.get(callback.href))
    expect(await federatedIdentities(server.store.records).find(upA.issuer, sub, Math.floor(Date.now() / 1000))).toBeUndefined()
  })

  it('FD-04 a userinfo sub other than the ID token\'s: refused', async () => {
    const sub = fresh('userinfo')
    upA.script = { sub, userinfo: { sub: 'someone-else', email: 'x@example.com' } }
    const browser = new Browser()
    await expectRefused(await browser.get((await callbackFor(upA, browser)).href))
    expect(await federatedIdentities(server.store.records).find(upA.issuer, sub, Math.floor(Date.now() / 1000))).toBeUndefined()
  })

  it('FD-04 upstream error text is never rendered as markup', async () => {
    upA.script = {
      sub: fresh('error'),
      response: (query) => new URLSearchParams({ state: query.get('state') ?? '', iss: upA.issuer, error: 'access_denied', error_description: '<script>alert(1)</script>' }),
    }
    const browser = new Browser()
    const callback = await callbackFor(upA, browser)
    const before = upA.tokenRequests().length
    const html = await expectRefused(await browser.get(callback.href), upA, before)
    expect(html).not.toContain('<script>alert(1)')
    expect(html).toMatch(/cancelled/)
  })
})

describe('FD-05 upstream mix-up between providers', () => {
  it('FD-05 A\'s authorization response delivered to B\'s callback (and B\'s to A\'s) is refused; no code reaches B\'s token endpoint', async () => {
    upA.script = { sub: fresh('mixA') }
    upB.script = { sub: fresh('mixB') }
    const browser = new Browser()
    const fromA = await callbackFor(upA, browser)
    const toB = new URL(fromA.href.replace('/federation/upA/', '/federation/upB/'))
    const beforeB = upB.tokenRequests().length
    const beforeA = upA.tokenRequests().length
    await expectRefused(await browser.get(toB.href), upB, beforeB)
    expect(upA.tokenRequests()).toHaveLength(beforeA)

    const other = new Browser()
    const fromB = await callbackFor(upB, other)
    await expectRefused(await other.get(fromB.href.replace('/federation/upB/', '/federation/upA/')), upA, beforeA)
  })

  it('FD-05 B\'s response carrying iss = A is refused before its token request', async () => {
    upB.script = { sub: fresh('issA'), response: (query) => { query.set('iss', upA.issuer); return query } }
    const browser = new Browser()
    const before = upB.tokenRequests().length
    await expectRefused(await browser.get((await callbackFor(upB, browser)).href), upB, before)
  })

  it('FD-05 A\'s response without iss while A advertises authorization_response_iss_parameter_supported is refused', async () => {
    upA.script = { sub: fresh('noiss'), response: (query) => { query.delete('iss'); return query } }
    const browser = new Browser()
    const before = upA.tokenRequests().length
    await expectRefused(await browser.get((await callbackFor(upA, browser)).href), upA, before)
  })

  it.each(['token_endpoint', 'authorization_endpoint'])('FD-05 B\'s discovery advertising A\'s %s is refused before anything is sent', async (field) => {
    const a = await startUpstream('mixupA')
    const b = await startUpstream('mixupB')
    try {
      b.metadata = { [field]: `${a.issuer}/${field === 'token_endpoint' ? 'token' : 'authorize'}` }
      await withSecurityServer({ development: { allowLoopbackFetch: true }, capabilities: [federation({ upstreams: [upstreamConfig(a), upstreamConfig(b)] })] }, async (other: TestServer) => {
        const otherClient = await registerClient(other)
        const browser = new Browser()
        const started = await openLoginPage(other, browser, otherClient)
        const answer = await pressContinue(browser, started.loginHtml, 'mixupB')
        await expectRefused(answer)
        // A's own discovery (the login page reads every upstream's) is all A sees: nothing reaches its endpoints by way of B.
        expect(a.log.filter((entry) => entry.path !== '/.well-known/openid-configuration')).toHaveLength(0)
        expect(b.log.filter((entry) => entry.path !== '/.well-known/openid-configuration')).toHaveLength(0)
      })
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  })
})

describe('FD-06 upstream tokens never leave the broker', () => {
  it('FD-06 nothing Tessera returns or logs carries upA\'s tokens; its iss and sub are its own', async () => {
    const upstreamSub = fresh('markers')
    upA.script = { sub: upstreamSub, claims: { email: 'markers@example.org', email_verified: true, name: 'Marker' } }
    const issuedBefore = upA.issued.length
    const { tokens, idToken, redirect } = await signInVia(upA)
    const upstreamTokens = upA.issued.slice(issuedBefore)
    expect(upstreamTokens.length).toBeGreaterThanOrEqual(3)
    expect(idToken.iss).toBe(server.url)
    expect(idToken.sub).not.toBe(upstreamSub)

    const userinfo = await (await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).text()
    const introspection = await (await fetch(`${server.url}/introspect`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret ?? ''}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.access_token }).toString(),
    })).text()
    const everything = [JSON.stringify(tokens), JSON.stringify(idToken), userinfo, introspection, redirect.headers.get('location') ?? '', logLines.join('\n')].join('\n')
    for (const value of upstreamTokens) expect(everything).not.toContain(value)
    // Not stored either: no record of the store holds them.
    const stored = JSON.stringify(await server.store.records.listBySubject(LOGIN_SESSION, String(idToken.sub)))
    for (const value of upstreamTokens) expect(stored).not.toContain(value)
  })

  it('FD-06 upA\'s access token is refused at Tessera\'s userinfo and is inactive at introspection', async () => {
    upA.script = { sub: fresh('replay-at') }
    const issuedBefore = upA.issued.length
    await signInVia(upA)
    const upstreamAccessToken = upA.issued.slice(issuedBefore).find((value) => value.includes('-ACCESS-')) ?? ''
    const userinfo = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${upstreamAccessToken}` } })
    expect(userinfo.status).toBe(401)
    const introspection = await fetch(`${server.url}/introspect`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret ?? ''}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: upstreamAccessToken }).toString(),
    })
    expect(await introspection.json()).toEqual({ active: false })
  })
})

describe('FD-07 just-in-time provisioning collisions', () => {
  it('FD-07 upA and upB both asserting sub "12345" get two distinct accounts', async () => {
    upA.script = { sub: '12345' }
    upB.script = { sub: '12345' }
    const a = await signInVia(upA)
    const b = await signInVia(upB)
    expect(a.idToken.sub).not.toBe(b.idToken.sub)
  })

  it('FD-07 a new user claiming "alice", an admin name, bob\'s verified email, groups and role: a new account that takes nothing', async () => {
    const aliceBefore = await server.store.users.get(server.users.alice.id)
    const bobBefore = await server.store.users.get(server.users.bob.id)
    upA.script = {
      sub: fresh('claims'),
      claims: { preferred_username: 'alice', name: 'Tessera Admin', email: 'bob@example.com', email_verified: 'true', groups: ['admin'], role: 'admin' },
    }
    const { idToken } = await signInVia(upA)
    const created = await userOf(idToken.sub)
    expect(created?.id).not.toBe(server.users.alice.id)
    expect(created?.username).not.toBe('alice')
    expect(created?.username.toLowerCase()).toMatch(/^alice-\d+$/)
    expect(created?.email).toBeNull()
    expect(created?.email_verified).toBe(false)
    expect(JSON.stringify(created)).not.toMatch(/admin"\]|"role"/)
    expect(idToken.groups).toBeUndefined()
    expect(idToken.role).toBeUndefined()
    expect(await server.store.users.get(server.users.alice.id)).toEqual(aliceBefore)
    expect(await server.store.users.get(server.users.bob.id)).toEqual(bobBefore)
  })

  it.each(['ALICE', 'ａlice', 'Ａｌｉｃｅ'])('FD-07 the username %s counts as alice: suffixed, alice untouched', async (claimed) => {
    upA.script = { sub: fresh('width'), claims: { preferred_username: claimed } }
    const { idToken } = await signInVia(upA)
    const created = await userOf(idToken.sub)
    expect(created?.username.normalize('NFKC').toLowerCase()).not.toBe('alice')
    expect(created?.username.normalize('NFKC').toLowerCase()).toMatch(/^alice-\d+$/)
  })

  it('FD-07 a provisioned account has no password: the password form refuses it', async () => {
    upA.script = { sub: fresh('nopassword'), claims: { preferred_username: fresh('fed-user') } }
    const { idToken } = await signInVia(upA)
    const created = await userOf(idToken.sub)
    const browser = new Browser()
    const started = await openLoginPage(server, browser, client)
    const csrf = /name="csrf_token" value="([^"]*)"/.exec(started.loginHtml)?.[1] ?? ''
    for (const password of ['!federated', '', 'federated']) {
      const answer = await browser.post(`${started.interactionUrl}/login`, { csrf_token: csrf, username: created?.username ?? '', password })
      expect(answer.status).toBe(400)
    }
  })
})

describe('federated login', () => {
  it('the ID token says how the user signed in: amr ["fed"]', async () => {
    upA.script = { sub: fresh('amr') }
    const { idToken } = await signInVia(upA)
    expect(idToken.amr).toEqual(['fed'])
  })

  it('the login page lists every upstream a client is allowed', async () => {
    const started = await openLoginPage(server, new Browser(), client)
    expect([...alternativeForms(started.loginHtml).keys()]).toEqual(['upA', 'upB', 'upG'])
  })
})

/** An authenticator app on `key`: a code of a step not yet used, the next step first (within the server's ±1 window). */
function authenticator(key: Uint8Array): () => string {
  const used = new Set<number>()
  return () => {
    const now = timeStep(Math.floor(Date.now() / 1000))
    const step = [now + 1, now, now - 1].find((candidate) => !used.has(candidate))
    if (step === undefined) throw new Error('no unused step left in the window')
    used.add(step)
    return hotp(key, step)
  }
}

/** Turns TOTP on at the account page of `browser`'s session (a fresh sign-in: no password asked). */
async function enrolTotp(browser: Browser): Promise<() => string> {
  const page = await browser.get(`${server.url}/account/two-factor`)
  const html = await page.text()
  expect(page.status, html.slice(0, 300)).toBe(200)
  const code = authenticator(decodeBase32(/data-secret="([A-Z2-7]+)"/.exec(html)?.[1] ?? '') ?? new Uint8Array())
  const form = parseForm(html)
  const confirmed = await browser.post(form.action, { ...form.fields, code: code() })
  expect(confirmed.status).toBe(200)
  return code
}

/** From the upstream's callback: the second-factor page Tessera shows before any session starts. */
async function upstreamThenSecondStep(upstream: Upstream, browser: Browser): Promise<{ html: string; verifier: string }> {
  const started = await openLoginPage(server, browser, client)
  const callback = await atUpstream(browser, await pressContinue(browser, started.loginHtml, upstream.name))
  const answer = await browser.get(callback.href)
  expect(answer.status).toBe(303)
  expect(answer.headers.getSetCookie().some((cookie) => cookie.startsWith('tessera-session='))).toBe(false)
  const page = await browser.get(answer.headers.get('location') ?? '')
  const html = await page.text()
  expect(parseForm(html).action).toMatch(/\/second-factor$/)
  // Nothing issued yet: the same browser has no session to answer prompt=none with.
  const silent = await openLoginPage(server, browser, client, { prompt: 'none' })
  expect(new URL(silent.first.headers.get('location') ?? '').searchParams.get('error')).toBe('login_required')
  return { html, verifier: started.verifier }
}

describe('federated sign-in and the local second factor (MF-08, MF-09)', () => {
  it('MF-09 a federated user with TOTP passes the code after the upstream: amr fed, otp, mfa and acr urn:tessera:mfa', async () => {
    upA.script = { sub: fresh('upA-totp'), claims: { amr: ['pwd'] } }
    const first = await signInVia(upA)
    // One factor, at the upstream: never more than that (MF-09).
    expect(first.idToken).toMatchObject({ amr: ['fed'], acr: 'urn:tessera:pwd' })
    const code = await enrolTotp(first.browser)

    const browser = new Browser()
    const { html, verifier } = await upstreamThenSecondStep(upA, browser)
    const form = parseForm(html)
    const wrong = await browser.post(form.action, { ...form.fields, code: '000000' })
    expect(wrong.status).toBe(400)
    const response = await finishAtTessera(server, browser, await browser.post(form.action, { ...form.fields, code: code() }))
    expect(response.status).toBe(303)
    const { idToken } = await redeem(server, client, response, verifier)
    expect(idToken.sub).toBe(first.idToken.sub)
    expect(idToken).toMatchObject({ amr: ['fed', 'otp', 'mfa'], acr: 'urn:tessera:mfa' })
  })

  it('MF-08 a federated user whom policy requires a second factor sets one up after the upstream before any code', async () => {
    upA.script = { sub: fresh('upA-required'), claims: { amr: ['pwd'] } }
    const first = await signInVia(upA)
    await setUserRequireMfa(server.store, String(first.idToken.sub), true)

    const browser = new Browser()
    const { html, verifier } = await upstreamThenSecondStep(upA, browser)
    const secret = /data-secret="([A-Z2-7]+)"/.exec(html)?.[1]
    expect(secret).toBeDefined()
    const code = authenticator(decodeBase32(secret ?? '') ?? new Uint8Array())
    const form = parseForm(html)
    const enrolled = await browser.post(form.action, { ...form.fields, code: code() })
    const shown = await enrolled.text()
    expect(enrolled.status).toBe(200)
    const next = /id="continue" href="([^"]*)"/.exec(shown)?.[1]?.replace(/&amp;/g, '&') ?? ''
    const response = next.startsWith(client.redirectUri) ? new Response(null, { status: 303, headers: { location: next } }) : await finishAtTessera(server, browser, await browser.get(next))
    const { idToken } = await redeem(server, client, response, verifier)
    expect(idToken).toMatchObject({ sub: first.idToken.sub, amr: ['fed', 'otp', 'mfa'], acr: 'urn:tessera:mfa' })
  })
})
