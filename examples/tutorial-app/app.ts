// The tutorial's Flask + Authlib app ("Log in with Google"), ported to Express and tessera/client.
import express, { type ErrorRequestHandler, type Express, type Request } from 'express'
import { createMemoryClientStore, createOAuth, isClientError, type RelyingPartyStore } from 'tessera-oidc/client'
import { applyExpressCookies, expressBackchannelLogout, expressClientContext, sendExpressRedirect } from 'tessera-oidc/adapters/express-client'
import { isLoopback, requireHttps, type TutorialConfig } from './config.js'
import { displayName, errorPage, escapeHtml, page } from './pages.js'

export interface TutorialAppOptions extends TutorialConfig {
  /** Sessions and pending logins; default in memory (lost on restart). */
  store?: RelyingPartyStore
}

/** Builds the app; `app.listen(port)` it, or mount it in a test on an ephemeral port. */
export function createTutorialApp(options: TutorialAppOptions): Express {
  const appUrl = requireHttps('appUrl', options.appUrl)
  const redirectUri = `${appUrl.origin}/authorize`
  const provider = options.provider.name
  const label = provider.charAt(0).toUpperCase() + provider.slice(1)
  const oauth = createOAuth({ store: options.store ?? createMemoryClientStore(), secret: options.secret })
  oauth.register(options.provider)
  // Behind a TLS-terminating proxy the app itself speaks http: the public URL decides `Secure` cookies.
  const context = (req: Request) => expressClientContext(req, { https: appUrl.protocol === 'https:' })

  const app = express()
  app.disable('x-powered-by')
  app.use((req, res, next) => {
    res.set({ 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'", 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' })
    // Cookies belong to one host, and localhost and 127.0.0.1 are different sites to a browser: on this
    // machine, send every request to the host the provider redirects back to.
    if (isLoopback(appUrl) && req.get('host') !== appUrl.host) return res.redirect(308, `${appUrl.origin}${req.originalUrl}`)
    next()
  })

  app.get('/', async (req, res) => {
    const user = await oauth.currentUser(await context(req))
    if (user) return res.send(page('Home', `<p>Hello, ${escapeHtml(displayName(user))}!</p>`, true))
    res.send(page('Home', `<p>Hello! <a href="/login">Log in with ${escapeHtml(label)}</a></p>`))
  })

  app.get('/login', async (req, res) => {
    const ctx = await context(req)
    sendExpressRedirect(res, ctx, await oauth.authorizeRedirect(ctx, provider, redirectUri, { returnTo: '/profile' }))
  })

  app.get('/authorize', async (req, res) => {
    const ctx = await context(req)
    try {
      const { returnTo } = await oauth.authorizeAccessToken(ctx, provider)
      sendExpressRedirect(res, ctx, { status: 303, location: returnTo })
    } catch (error) {
      applyExpressCookies(res, ctx) // the spent login cookie is cleared even on failure
      throw error
    }
  })

  app.get('/profile', async (req, res) => {
    const user = await oauth.currentUser(await context(req))
    if (!user) return res.redirect(303, '/login')
    res.send(page('Profile', `<h1>Hello, ${escapeHtml(displayName(user))}</h1><p>Signed in with ${escapeHtml(user.issuer)}</p>`, true))
  })

  app.get('/userinfo', async (req, res) => {
    const claims = await oauth.userinfo(await context(req))
    res.send(page('Userinfo', `<h1>Userinfo</h1><pre id="userinfo">${escapeHtml(JSON.stringify(claims, null, 2))}</pre>`, true))
  })

  app.get('/notes', async (req, res) => {
    if (!options.notesUrl) return res.status(404).send(page('Notes', '<p>The notes API is part of the local Tessera server.</p>', true))
    // Bearer token from the session, refreshed ahead of expiry (once for concurrent requests).
    const response = await oauth.fetch(await context(req), options.notesUrl)
    if (!response.ok) return res.status(502).send(page('Notes', `<p>The notes API answered ${response.status}.</p>`, true))
    const { notes } = (await response.json()) as { notes: { title: string; body: string }[] }
    const items = notes.map((note) => `<li><b>${escapeHtml(note.title)}</b> ${escapeHtml(note.body)}</li>`).join('')
    res.send(page('Notes', `<h1>Your notes</h1>${items ? `<ul>${items}</ul>` : '<p>No notes yet.</p>'}`, true))
  })

  app.get('/refresh_token', async (req, res) => {
    const tokens = await oauth.refreshToken(await context(req))
    const until = tokens.expires_at ? new Date(tokens.expires_at * 1000).toISOString() : 'unknown'
    res.send(page('Token refreshed', `<h1>Token refreshed</h1><p>The new access token is valid until <time>${until}</time>.</p>`, true))
  })

  // POST, so that no link, prefetch or image on another site can sign the user out.
  app.get('/logout', (_req, res) => res.send(page('Log out', '<form method="post" action="/logout"><button>Log out</button></form>')))
  app.post('/logout', async (req, res) => {
    const ctx = await context(req)
    // Ends the local session, revokes the refresh token, and ends the provider's session (RP-initiated logout).
    const { location } = await oauth.logout(ctx, { postLogoutRedirectUri: `${appUrl.origin}/` })
    sendExpressRedirect(res, ctx, { status: 303, location: location ?? '/' })
  })

  // OpenID Back-Channel Logout: the provider POSTs a signed logout token here when the user's session there
  // ends (registered as the client's backchannel_logout_uri); the sessions it names end in the store, so
  // every instance of the app sharing it signs the user out.
  app.post('/backchannel-logout', expressBackchannelLogout(oauth))

  const errors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error)
    res.set('Cache-Control', 'no-store')
    if (!isClientError(error)) {
      console.error(error)
      return res.status(500).send(page('Error', '<h1>Something went wrong</h1>'))
    }
    if (error.code === 'not_authenticated' || error.code === 'reauthentication_required') return res.redirect(303, '/login')
    console.warn(`sign-in error ${error.code}${error.detail ? `: ${error.detail}` : ''}`) // operator detail: logs only
    const { status, html } = errorPage(error.code, error.description)
    res.status(status).send(html)
  }
  app.use(errors)
  return app
}
