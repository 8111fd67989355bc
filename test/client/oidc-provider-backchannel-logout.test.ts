/**
 * Issue 16's interop check: tessera-oidc/client's back-channel logout receiver (mounted with the Express
 * adapter) ends a session on the logout token sent by panva's oidc-provider with `features.backchannelLogout`
 * on, after the user logs out there (RP-initiated logout with its confirmation form).
 */
import type { AddressInfo } from 'node:net'
import { createServer, type Server } from 'node:http'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expressBackchannelLogout } from '../../src/adapters/express-client.js'
import { createClientContext } from '../../src/client/context.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth, type OAuth } from '../../src/client/oauth.js'
import type { BackchannelLogoutResult } from '../../src/client/backchannel-logout.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { authorizeAtOidcProvider, keepCookies, startOidcProvider, type RunningProvider } from '../helpers/oidc-provider.js'

const ACCOUNT = 'lena-4b2c'
const CLIENT_ID = 'tessera-bcl-rp'
const CLIENT_SECRET = 'oidc-provider-bcl-client-secret-0123456789'
const SECRET = 'oidc-provider-bcl-app-secret-0123456789abcdef'

let provider: RunningProvider
let oauth: OAuth
let rp: Server
let origin: string
const ended: BackchannelLogoutResult[] = []

beforeAll(async () => {
  const app = express()
  rp = createServer(app)
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`
  provider = await startOidcProvider(() => ({
    clients: [{
      client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_types: ['authorization_code'], response_types: ['code'],
      redirect_uris: [`${origin}/cb`], post_logout_redirect_uris: [`${origin}/`],
      backchannel_logout_uri: `${origin}/backchannel-logout`, backchannel_logout_session_required: true,
    }],
    cookies: { keys: [SECRET] },
    claims: { openid: ['sub'] },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
    features: { devInteractions: { enabled: true }, backchannelLogout: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    pkce: { required: () => true },
    // oidc-provider refuses special-use destinations (its SSRF guard); the test app listens on loopback.
    fetch: (url: string, { dispatcher: _dispatcher, ...init }: RequestInit & { dispatcher?: unknown }) => fetch(url, init),
  }))
  oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET })
  oauth.register({ name: 'op', issuer: provider.issuer, allowInsecureLoopback: true, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: 'openid' })
  app.post('/backchannel-logout', expressBackchannelLogout(oauth, { onLogout: (result) => void ended.push(result) }))
})

afterAll(async () => {
  await provider?.close()
  rp?.closeAllConnections()
  await new Promise((resolve) => rp?.close(resolve))
})

describe('tessera/client receiving back-channel logout from oidc-provider', () => {
  it('ends the session named by the logout token oidc-provider sends when the user logs out there', async () => {
    const browser = new Browser()
    const loginCtx = createClientContext({ url: `${origin}/login`, headers: {} })
    const redirect = await oauth.authorizeRedirect(loginCtx, 'op', `${origin}/cb`)
    keepCookies(browser, loginCtx.cookies)
    const callback = await authorizeAtOidcProvider(browser, provider.issuer, redirect.location, ACCOUNT, (url) => url.href.startsWith(`${origin}/cb`))
    const ctx = createClientContext({ url: callback, headers: { cookie: browser.jar.header() } })
    const login = await oauth.authorizeAccessToken(ctx, 'op')
    keepCookies(browser, ctx.cookies)
    const appContext = () => createClientContext({ url: `${origin}/`, headers: { cookie: browser.jar.header() } })
    expect((await oauth.currentUser(appContext()))?.sub).toBe(ACCOUNT)
    expect(login.claims?.sid).toEqual(expect.any(String))

    // RP-initiated logout at oidc-provider: its confirmation form, then its back-channel POST to the app.
    const end = await browser.get(`${provider.issuer}/session/end?id_token_hint=${login.tokens.id_token ?? ''}`)
    const form = parseForm(await end.text())
    const confirm = await browser.post(new URL(form.action, provider.issuer).href, { ...form.fields, logout: 'yes' })
    expect([200, 302, 303]).toContain(confirm.status)

    expect(ended).toEqual([{ provider: 'op', sub: ACCOUNT, sid: login.claims?.sid, ended: 1 }])
    expect(await oauth.currentUser(appContext())).toBeUndefined()
  })
})
