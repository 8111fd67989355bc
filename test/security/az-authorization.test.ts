/**
 * Catalogue §1 — authorization endpoint (AZ).
 *
 * AZ-10's "authenticate before redirecting" guards redirect URIs registered by anyone (RFC 9700 §4.11.2,
 * dynamic registration). Tessera has no dynamic registration: every redirect URI is the operator's, so an
 * invalid scope is redirected at once, like every other request error with a valid client and redirect URI.
 * AZ-03 is cited by Appendix B (redirect-URI validation bypasses) but has no text in §1; it is covered
 * here from that citation and RFC 9700 §4.1.3.
 */
import { describe, expect, it } from 'vitest'
import { Browser, parseForm } from '../helpers/http-client.js'
import { RP1 } from '../helpers/tessera.js'
import {
  authorizationFlow,
  authorizationRequest,
  expectErrorPage,
  expectRedirectError,
  redeem,
  registerClient,
  sendAuthorization,
  signedInBrowser,
  silentAuthorization,
  sleep,
  startCaptureServer,
  tokensFor,
  unsecuredJwt,
  verifyIdToken,
  securityServerForFile,
} from './helpers.js'

const server = await securityServerForFile()

/** The start of an interaction: `/authorize` answered with a redirect into the server's own pages. */
function expectInteraction(response: Response): string {
  expect(response.status).toBe(303)
  const location = response.headers.get('location') ?? ''
  expect(location.startsWith(`${server.url}/interaction/`)).toBe(true)
  return location
}

describe('AZ authorization endpoint', () => {
  it('AZ-01 code + PKCE S256 happy path: code, state and iss in the query, nothing else, no-store', async () => {
    const browser = new Browser()
    const flow = await authorizationFlow(server, browser, server.clients.conf, { overrides: { state: 'S-01', nonce: 'N-01' } })
    expect(flow.shown).toEqual(['login', 'consent'])
    expect(flow.response.status).toBe(303)
    expect(`${flow.location.origin}${flow.location.pathname}`).toBe(RP1)
    expect([...flow.result.keys()].sort()).toEqual(['code', 'iss', 'state'])
    expect(flow.result.get('state')).toBe('S-01')
    expect(flow.result.get('iss')).toBe(server.url)
    expect(flow.location.hash).toBe('')
    // RFC 6749 §10.10: at least 128 bits; Tessera's codes are 256 random bits, base64url.
    expect(flow.code).toMatch(/^[A-Za-z0-9_-]{43,}$/)
    expect(flow.response.headers.get('cache-control')).toBe('no-store')
    // Another run gives another code.
    const again = await authorizationFlow(server, browser, server.clients.conf)
    expect(again.code).not.toBe(flow.code)
    expect(again.shown).toEqual([])
  })

  it('AZ-02 unregistered redirect URI or unknown client gets an error page, never a redirect', async () => {
    const evil = 'http://127.0.0.1:9999/evil'
    const cases = [
      authorizationRequest(server.clients.conf, { redirect_uri: evil }).params,
      authorizationRequest(server.clients.conf, { client_id: 'nope', redirect_uri: evil }).params,
      authorizationRequest(server.clients.conf, { client_id: 'nope' }).params,
      authorizationRequest(server.clients.conf, { client_id: undefined }).params,
      authorizationRequest(server.clients.conf, { client_id: undefined, redirect_uri: evil }).params,
    ]
    for (const params of cases) {
      const html = await expectErrorPage(await sendAuthorization(server, new Browser(), params))
      expect(html).not.toContain(evil)
    }
    // Even for a user with a live session and consent, who would otherwise get a code at once.
    const browser = await signedInBrowser(server, server.users.alice, server.clients.conf)
    await expectErrorPage(await sendAuthorization(server, browser, authorizationRequest(server.clients.conf, { redirect_uri: evil }).params))
  })

  it('AZ-03 redirect URIs compare as exact strings: no prefix, path, query, case or userinfo variants', async () => {
    const variants = [
      `${RP1}/`,
      `${RP1}/x`,
      `${RP1}x`,
      `${RP1}?x=1`,
      `${RP1}#f`,
      RP1.toUpperCase(),
      'http://127.0.0.1:5000/CB',
      'https://127.0.0.1:5000/cb',
      'http://127.0.0.1:5001/cb',
      'http://127.0.0.1:5000@evil.test/cb',
      'http://evil.test@127.0.0.1:5000/cb',
      'http://127.0.0.1:5000/cb/..;/evil',
      'http://127.0.0.1:5000/cb/../cb',
      'http://127.0.0.1:5000/./cb',
      'http://127.0.0.1:5000//cb',
      'http://127.0.0.1.evil.test:5000/cb',
      'http://127.0.0.1:5000/cb%2F..',
    ]
    for (const redirectUri of variants) {
      await expectErrorPage(await sendAuthorization(server, new Browser(), authorizationRequest(server.clients.conf, { redirect_uri: redirectUri }).params))
    }
    // A registered query is part of the exact string: dropping or changing it is another URI.
    for (const redirectUri of [RP1, `${RP1}?tenant=2`, `${RP1}?tenant=1&code=x`]) {
      await expectErrorPage(await sendAuthorization(server, new Browser(), authorizationRequest(server.clients.qry, { redirect_uri: redirectUri }).params))
    }
    // RFC 6749 §3.1.2: the registered query is kept and the response parameters are added to it.
    const flow = await authorizationFlow(server, new Browser(), server.clients.qry)
    expect(flow.location.href.startsWith(`${RP1}?tenant=1&code=`)).toBe(true)
    expect(flow.result.getAll('code')).toHaveLength(1)
    expect(flow.result.get('tenant')).toBe('1')
    // form_post.jwt and other response modes cannot move the response elsewhere.
    expectRedirectError(await sendAuthorization(server, new Browser(), authorizationRequest(server.clients.conf, { response_mode: 'form_post.jwt' }).params), {
      redirectUri: RP1,
      error: 'invalid_request',
      state: 'state-123',
      iss: server.url,
    })
  })

  it('AZ-04 missing redirect_uri gets an error page', async () => {
    // conf has two registered redirect URIs; the one-URI client is refused too (OIDC Core §3.1.2.1 REQUIRED).
    for (const client of [server.clients.conf, server.clients.post]) {
      const response = await sendAuthorization(server, new Browser(), authorizationRequest(client, { redirect_uri: undefined }).params)
      await expectErrorPage(response)
    }
  })

  it('AZ-05 loopback redirect URIs of native clients: any port, nothing else', async () => {
    const native = server.clients.native
    expectInteraction(await sendAuthorization(server, new Browser(), authorizationRequest(native, { redirect_uri: 'http://127.0.0.1:53123/cb' }).params))
    const flow = await authorizationFlow(server, new Browser(), native, { overrides: { redirect_uri: 'http://127.0.0.1:53124/cb' } })
    expect(`${flow.location.origin}${flow.location.pathname}`).toBe('http://127.0.0.1:53124/cb')
    expect(flow.code).toBeDefined()
    for (const redirectUri of [
      'http://127.0.0.1.evil.test/cb',
      'http://localhost.evil.test/cb',
      'http://127.0.0.1:53123/cb/x',
      'http://127.0.0.1:53123@evil.test/cb',
      'http://127.0.0.1:53123/cb?x=1',
      'http://127.0.0.2:53123/cb',
      'http://127.0.0.1:99999/cb',
      'https://127.0.0.1:53123/cb',
    ]) {
      await expectErrorPage(await sendAuthorization(server, new Browser(), authorizationRequest(native, { redirect_uri: redirectUri }).params))
    }
  })

  it('AZ-06 implicit and hybrid response types are refused; never a token in the front channel', async () => {
    for (const responseType of ['token', 'id_token', 'id_token token', 'code token', 'code id_token', 'code id_token token', 'none']) {
      const response = await sendAuthorization(server, new Browser(), authorizationRequest(server.clients.conf, { response_type: responseType }).params)
      expectRedirectError(response, { redirectUri: RP1, error: 'unsupported_response_type', state: 'state-123', iss: server.url })
    }
    const missing = await sendAuthorization(server, new Browser(), authorizationRequest(server.clients.conf, { response_type: undefined }).params)
    expectRedirectError(missing, { redirectUri: RP1, error: 'invalid_request', state: 'state-123', iss: server.url })
    // With a live session and consent the answer is the same: no shortcut to tokens.
    const browser = await signedInBrowser(server, server.users.alice, server.clients.conf)
    const signedIn = await sendAuthorization(server, browser, authorizationRequest(server.clients.conf, { response_type: 'code id_token token' }).params)
    expectRedirectError(signedIn, { redirectUri: RP1, error: 'unsupported_response_type', state: 'state-123', iss: server.url })
  })

  it('AZ-07 PKCE is required, for public and confidential clients', async () => {
    for (const client of [server.clients.pub, server.clients.conf]) {
      const response = await sendAuthorization(server, new Browser(), authorizationRequest(client, { code_challenge: undefined, code_challenge_method: undefined }).params)
      expectRedirectError(response, { redirectUri: RP1, error: 'invalid_request', state: 'state-123', iss: server.url })
    }
  })

  it('AZ-08 PKCE method must be S256 and the challenge well formed', async () => {
    const valid = authorizationRequest(server.clients.pub).params.code_challenge ?? ''
    const cases: Record<string, string | undefined>[] = [
      { code_challenge_method: 'plain' },
      { code_challenge_method: 'S512' },
      { code_challenge_method: 's256' },
      { code_challenge_method: undefined },
      { code_challenge: valid.slice(0, 42) },
      { code_challenge: `${valid}A` },
      { code_challenge: `${valid.slice(0, 42)}+` },
      { code_challenge: `${valid.slice(0, 42)}/` },
      { code_challenge: `${valid.slice(0, 42)}=` },
    ]
    for (const overrides of cases) {
      const response = await sendAuthorization(server, new Browser(), authorizationRequest(server.clients.pub, overrides).params)
      expectRedirectError(response, { redirectUri: RP1, error: 'invalid_request', state: 'state-123', iss: server.url })
    }
  })

  it('AZ-10 unknown or disallowed scopes are invalid_scope, never granted; scope order does not matter', async () => {
    const limited = await registerClient(server, { scopes: ['openid', 'profile', 'notes:read'] })
    for (const scope of ['openid nonsense', 'openid notes:write', 'openid admin']) {
      const { params } = authorizationRequest(limited, { scope, state: 'S-10' })
      // No session in this browser: the error comes before any login (operator-registered redirect URI).
      expectRedirectError(await sendAuthorization(server, new Browser(), params), { redirectUri: RP1, error: 'invalid_scope', state: 'S-10', iss: server.url })
    }
    // RFC 6749 §3.3: a space-delimited, order-free list; the grant is exactly what was asked and consented.
    const reversed = await tokensFor(server, limited, { scope: 'notes:read profile openid' })
    expect(reversed.scope.split(' ').sort()).toEqual(['notes:read', 'openid', 'profile'])
    const claims = JSON.parse(Buffer.from(reversed.access_token.split('.')[1] ?? '', 'base64url').toString()) as { scope: string; aud: string | string[] }
    expect(claims.scope.split(' ').sort()).toEqual(['notes:read', 'openid', 'profile'])
    expect([claims.aud].flat()).toEqual([`${server.url}/api`])
    // A signed-in, consented browser does not widen what the client may ask for.
    const browser = new Browser()
    await authorizationFlow(server, browser, limited, { overrides: { scope: 'openid profile notes:read' } })
    const { params } = authorizationRequest(limited, { scope: 'openid notes:write', prompt: 'none' })
    expectRedirectError(await sendAuthorization(server, browser, params), { redirectUri: RP1, error: 'invalid_scope', state: 'state-123', iss: server.url })
  })

  it('AZ-11 prompt=none: login_required, consent_required, then a code for the same subject', async () => {
    const conf = await registerClient(server)
    const { post } = server.clients
    const browser = new Browser()
    expect((await silentAuthorization(server, browser, conf)).error).toBe('login_required')
    // A session made with another client, no consent for conf yet.
    await authorizationFlow(server, browser, post)
    const noConsent = await sendAuthorization(server, browser, authorizationRequest(conf, { prompt: 'none', state: 'S-11' }).params)
    expectRedirectError(noConsent, { redirectUri: RP1, error: 'consent_required', state: 'S-11', iss: server.url })
    // Consent given once; then prompt=none answers with a code, no page.
    const first = await tokensFor(server, conf, { browser })
    const silent = await silentAuthorization(server, browser, conf)
    expect(silent.error).toBeUndefined()
    expect(silent.code).toBeDefined()
    const response = await redeem(server, conf, silent)
    const second = (await response.json()) as { id_token: string }
    expect(response.status).toBe(200)
    const [a, b] = await Promise.all([verifyIdToken(server, first.id_token ?? '', conf.id), verifyIdToken(server, second.id_token, conf.id)])
    expect(b.sub).toBe(a.sub)
    expect(b.sub).toBe(server.users.alice.id)
  })

  it('AZ-12 prompt=login, max_age and id_token_hint control re-authentication', async () => {
    const { conf } = server.clients
    const browser = new Browser()
    const first = await tokensFor(server, conf, { browser })
    const firstClaims = await verifyIdToken(server, first.id_token ?? '', 'conf')
    await sleep(2100)

    const longAge = await authorizationFlow(server, browser, conf, { overrides: { max_age: '10000' } })
    expect(longAge.shown).toEqual([])
    const longAgeClaims = await verifyIdToken(server, ((await (await redeem(server, conf, longAge)).json()) as { id_token: string }).id_token, 'conf')
    expect(longAgeClaims.auth_time).toBe(firstClaims.auth_time)

    const shortAge = await authorizationFlow(server, browser, conf, { overrides: { max_age: '1' } })
    expect(shortAge.shown).toEqual(['login'])
    const shortAgeClaims = await verifyIdToken(server, ((await (await redeem(server, conf, shortAge)).json()) as { id_token: string }).id_token, 'conf')
    expect(shortAgeClaims.auth_time).toBeGreaterThan(firstClaims.auth_time as number)

    const forced = await authorizationFlow(server, browser, conf, { overrides: { prompt: 'login' } })
    expect(forced.shown).toEqual(['login'])
    const forcedClaims = await verifyIdToken(server, ((await (await redeem(server, conf, forced)).json()) as { id_token: string }).id_token, 'conf')
    expect(forcedClaims.auth_time).toBeGreaterThan(firstClaims.auth_time as number)

    const hinted = await silentAuthorization(server, browser, conf, { id_token_hint: first.id_token ?? '' })
    expect(hinted.error).toBeUndefined()
    const hintedTokens = (await (await redeem(server, conf, hinted)).json()) as { id_token: string }
    expect((await verifyIdToken(server, hintedTokens.id_token, 'conf')).sub).toBe(firstClaims.sub)

    // A hint for bob while alice is signed in: never a code for alice.
    const bobTokens = await tokensFor(server, conf, { user: server.users.bob })
    const mismatch = await silentAuthorization(server, browser, conf, { id_token_hint: bobTokens.id_token ?? '' })
    expect(mismatch.error).toBe('login_required')
    expect(mismatch.code).toBeUndefined()
    expectInteraction(await sendAuthorization(server, browser, authorizationRequest(conf, { id_token_hint: bobTokens.id_token ?? '' }).params))
  })

  it('AZ-13 optional OIDC parameters, POST requests, long or missing state and nonce', async () => {
    const { conf } = server.clients
    const browser = await signedInBrowser(server, server.users.alice, conf)
    const optional: Record<string, string>[] = [
      { display: 'page' },
      { display: 'popup' },
      { ui_locales: 'se' },
      { claims_locales: 'se' },
      { login_hint: 'alice@example.com' },
      { acr_values: 'urn:mace:incommon:iap:silver' },
    ]
    for (const overrides of optional) {
      const flow = await authorizationFlow(server, browser, conf, { overrides })
      expect(flow.code, JSON.stringify(overrides)).toBeDefined()
      expect((await redeem(server, conf, flow)).status).toBe(200)
    }
    const posted = await authorizationFlow(server, browser, conf, { method: 'POST', overrides: { nonce: 'posted-nonce' } })
    const postedTokens = (await (await redeem(server, conf, posted)).json()) as { id_token: string }
    expect((await verifyIdToken(server, postedTokens.id_token, 'conf')).nonce).toBe('posted-nonce')

    const withoutNonce = await authorizationFlow(server, browser, conf, { overrides: { nonce: undefined } })
    const withoutNonceTokens = (await (await redeem(server, conf, withoutNonce)).json()) as { id_token: string }
    expect(await verifyIdToken(server, withoutNonceTokens.id_token, 'conf')).not.toHaveProperty('nonce')

    const longState = `${'s-'.repeat(1000)}~._%20+/é`
    const long = await authorizationFlow(server, browser, conf, { overrides: { state: longState } })
    expect(long.result.get('state')).toBe(longState)

    const noState = await authorizationFlow(server, browser, conf, { overrides: { state: undefined } })
    expect(noState.code).toBeDefined()
    expect(noState.result.has('state')).toBe(false)
    expect(noState.result.get('iss')).toBe(server.url)
  })

  it('AZ-14 request objects and request_uri are refused cleanly and nothing is fetched', async () => {
    const capture = await startCaptureServer()
    try {
      const requestObject = unsecuredJwt({ iss: 'conf', aud: server.url, response_type: 'code', client_id: 'conf', redirect_uri: 'http://127.0.0.1:9999/evil' })
      const byValue = await sendAuthorization(server, new Browser(), authorizationRequest(server.clients.conf, { request: requestObject }).params)
      expectRedirectError(byValue, { redirectUri: RP1, error: 'request_not_supported', state: 'state-123', iss: server.url })
      const byReference = await sendAuthorization(server, new Browser(), authorizationRequest(server.clients.conf, { request_uri: `${capture.url}/ro` }).params)
      expectRedirectError(byReference, { redirectUri: RP1, error: 'request_uri_not_supported', state: 'state-123', iss: server.url })
      // A request_uri with an unknown client: still an error page, still no fetch.
      await expectErrorPage(await sendAuthorization(server, new Browser(), { client_id: 'nope', request_uri: `${capture.url}/ro2` }))
      await sleep(200)
      expect(capture.requests).toEqual([])
    } finally {
      await capture.close()
    }
  })

  it('AZ-15 consent names the client (escaped) and the scopes; deny gives access_denied, allow a code', async () => {
    const client = await registerClient(server, { name: '<img src=x onerror=alert(1)> & "Co"' })
    const browser = new Browser()

    const denied = await authorizationFlow(server, browser, client, { decision: 'deny', overrides: { state: 'S-15', scope: 'openid email offline_access' } })
    expect(denied.shown).toEqual(['login', 'consent'])
    const html = denied.consentHtml ?? ''
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; ')
    expect(html).toContain('See your email address')
    expect(html).toContain('Stay connected when you')
    expectRedirectError(denied.response, { redirectUri: RP1, error: 'access_denied', state: 'S-15', iss: server.url })
    expect(await server.store.consents.get(server.users.alice.id, client.id)).toBeUndefined()

    // Denial is not remembered as consent: the screen is shown again, and allowing gives a code.
    const allowed = await authorizationFlow(server, browser, client, { overrides: { state: 'S-15b' } })
    expect(allowed.shown).toEqual(['consent'])
    expect(allowed.code).toBeDefined()
    expect(allowed.result.get('state')).toBe('S-15b')
    expect((await redeem(server, client, allowed)).status).toBe(200)
  })

  it('AZ-16 login and consent forms need their CSRF token, our Origin and POST; failures issue nothing', async () => {
    const conf = await registerClient(server)
    const browser = new Browser()
    const interaction = expectInteraction(await sendAuthorization(server, browser, authorizationRequest(conf).params))
    const login = parseForm(await (await browser.get(interaction)).text())
    const credentials = { username: 'alice', password: 'alice-password' }
    const { csrf_token: _loginToken, ...loginWithoutToken } = login.fields

    // RFC 6749 §10.12; the catalogue accepts 400 or 403, Tessera answers 403 Forbidden.
    await expectErrorPage(await browser.post(login.action, { ...loginWithoutToken, ...credentials }), 403)
    await expectErrorPage(await browser.post(login.action, { ...login.fields, csrf_token: 'forged', ...credentials }), 403)
    await expectErrorPage(await browser.post(login.action, { ...login.fields, ...credentials }, { origin: 'http://evil.test' }), 403)
    await expectErrorPage(await browser.post(login.action, { ...login.fields, ...credentials }, { origin: 'null', 'sec-fetch-site': 'cross-site' }), 403)
    expect(browser.jar.get('tessera-session')).toBeUndefined()

    const afterLogin = await browser.post(login.action, { ...login.fields, ...credentials })
    const consentUrl = expectInteraction(afterLogin)
    const consent = parseForm(await (await browser.get(consentUrl)).text())
    const { csrf_token: _consentToken, ...consentWithoutToken } = consent.fields
    const refused = [
      await browser.post(consent.action, { ...consentWithoutToken, decision: 'allow' }),
      await browser.post(consent.action, { ...consent.fields, csrf_token: 'forged', decision: 'allow' }),
      await browser.post(consent.action, { ...consent.fields, decision: 'allow' }, { origin: 'http://evil.test' }),
      await browser.get(`${consent.action}?${new URLSearchParams({ ...consent.fields, decision: 'allow' }).toString()}`),
    ]
    for (const response of refused.slice(0, 3)) await expectErrorPage(response, 403)
    expect(refused[3]?.status).toBe(405)
    expect(refused[3]?.headers.get('location')).toBeNull()
    expect(await server.store.consents.get(server.users.alice.id, conf.id)).toBeUndefined()

    // The genuine submission still works: the refusals were about the forgeries, not the form.
    const finished = await browser.post(consent.action, { ...consent.fields, decision: 'allow' })
    expect(finished.status).toBe(303)
    expect(new URL(finished.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy()
  })

  it('AZ-17 authorize, login, consent and error pages resist framing, leak no referrer, allow no CORS', async () => {
    const client = await registerClient(server)
    const browser = new Browser()
    const origin = { origin: 'http://evil.test' }
    const start = await browser.get(`${server.url}/authorize?${new URLSearchParams(authorizationRequest(client).params).toString()}`, origin)
    const interaction = expectInteraction(start)
    const loginPage = await browser.get(interaction, origin)
    const login = parseForm(await loginPage.clone().text())
    const afterLogin = await browser.post(login.action, { ...login.fields, username: 'alice', password: 'alice-password' })
    const consentPage = await browser.get(expectInteraction(afterLogin), origin)
    const errorPage = await browser.get(`${server.url}/authorize?client_id=nope`, origin)
    const wrongLogin = await (async () => {
      const other = new Browser()
      const page = await other.get(expectInteraction(await sendAuthorization(server, other, authorizationRequest(server.clients.conf).params)))
      const form = parseForm(await page.text())
      return other.post(form.action, { ...form.fields, username: 'alice', password: 'wrong-password' })
    })()

    for (const response of [loginPage, consentPage, errorPage, wrongLogin]) {
      const csp = response.headers.get('content-security-policy') ?? ''
      expect(csp).toMatch(/frame-ancestors 'none'/)
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
      const html = await response.text()
      // No third-party resources: nothing loaded from another origin (inline `data:` is not a third party).
      for (const match of html.matchAll(/(?:src|href|action)="([^"]*)"/g)) {
        const target = new URL(match[1] ?? '', server.url)
        if (target.protocol === 'data:') continue
        expect(target.origin, match[0]).toBe(new URL(server.url).origin)
      }
    }
    for (const redirect of [start, afterLogin]) {
      expect(redirect.status).toBe(303)
      expect(redirect.headers.get('referrer-policy')).toBe('no-referrer')
      expect(redirect.headers.get('access-control-allow-origin')).toBeNull()
    }
    // The consent POST is answered with 303 (never 307/308, RFC 9700 §4.12).
    const consent = parseForm(await (await browser.get(expectInteraction(afterLogin))).text())
    const finished = await browser.post(consent.action, { ...consent.fields, decision: 'allow' })
    expect(finished.status).toBe(303)
    expect(finished.headers.get('location')?.startsWith(`${RP1}?code=`)).toBe(true)
    // A preflight to the authorization endpoint is not granted.
    const preflight = await fetch(`${server.url}/authorize`, { method: 'OPTIONS', headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' } })
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
  })
})
