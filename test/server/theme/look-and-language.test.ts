import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { accountSelfService } from '../../../src/server/account/index.js'
import { ConfigError, resolveConfig } from '../../../src/server/config.js'
import type { MailMessage } from '../../../src/server/mail/mailer.js'
import { parseConfigFile } from '../../../src/standalone/config-file.js'
import { pagesFromConfigFile, uiFromConfigFile } from '../../../src/standalone/ui-files.js'
import { defaultPageRenderer } from '../../../src/ui/index.js'
import { createMemoryStore } from '../../../src/storage/memory.js'
import { formFor, openAccount } from '../../helpers/account.js'
import { Browser, parseForm } from '../../helpers/http-client.js'
import { newPkce } from '../../helpers/pkce.js'
import { authorizeUrl, startTestServer, type TestServer } from '../../helpers/tessera.js'

/**
 * The pages' language and look over real HTTP: `ui_locales` (OpenID Connect Core §3.1.2.1) kept for the
 * whole interaction, then `Accept-Language`, else the default; a configured catalogue; the theme's colours,
 * logo and stylesheet under the pages' CSP; and hostile theme values refused when the configuration loads.
 */

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'
const CSS = '.brand { letter-spacing: 0.1em; }'
let server: TestServer

beforeAll(async () => {
  server = await startTestServer({
    store: 'memory',
    productName: 'Acme ID',
    ui: {
      catalogues: { fr: { 'login.title': 'Connexion', 'login.submit': 'Se connecter', 'login.username': "Nom d'utilisateur" } },
      theme: { primaryColor: '#0a7d33', accentColor: '#7a1fa2', logo: { contentType: 'image/svg+xml', body: new TextEncoder().encode(LOGO) }, stylesheet: CSS },
    },
  })
})

afterAll(async () => {
  await server?.close()
})

function authorizationParams(extra: Record<string, string> = {}): Record<string, string> {
  const { challenge } = newPkce()
  return {
    response_type: 'code', client_id: server.clients.conf.id, redirect_uri: server.clients.conf.redirectUri, scope: 'openid profile',
    state: 's', code_challenge: challenge, code_challenge_method: 'S256', ...extra,
  }
}

/** GET /authorize, then the interaction page it leads to, in a browser of its own. */
async function loginPage(browser: Browser, extra: Record<string, string>, headers: Record<string, string> = {}): Promise<{ response: Response; html: string }> {
  const started = await browser.get(authorizeUrl(server.url, authorizationParams(extra)), headers)
  expect(started.status).toBe(303)
  const response = await browser.get(started.headers.get('location') ?? '', headers)
  return { response, html: await response.text() }
}

describe('the language of the pages', () => {
  it('ui_locales=de gives German pages for the whole interaction, whatever Accept-Language says', async () => {
    const browser = new Browser()
    const english = { 'accept-language': 'en-US,en;q=0.9' }
    const { response, html } = await loginPage(browser, { ui_locales: 'de' }, english)
    expect(response.headers.get('content-language')).toBe('de')
    expect(html).toContain('<html lang="de">')
    expect(html).toContain('<title>Anmelden · Acme ID</title>')
    expect(html).toContain('<label for="username">Benutzername</label>')
    // A wrong password, posted without ui_locales: the interaction remembers it.
    const form = parseForm(html)
    const failed = await browser.post(form.action, { ...form.fields, username: 'alice', password: 'wrong' }, english)
    expect(failed.status).toBe(400)
    const again = await failed.text()
    expect(again).toContain('Benutzername oder Passwort ist falsch.')
    expect(again).not.toContain('Sign in')
    // The consent page after a good password, still German.
    const signedIn = await browser.post(form.action, { ...parseForm(again).fields, username: 'alice', password: 'alice-password' }, english)
    expect(signedIn.status).toBe(303)
    const consent = await (await browser.get(signedIn.headers.get('location') ?? '', english)).text()
    expect(consent).toContain('<html lang="de">')
    expect(consent).toContain('Ihre Identität bestätigen (Ihre Konto-ID)')
    expect(consent).toContain('>Erlauben</button>')
    // RP-Initiated Logout §2 takes ui_locales too.
    const logout = await (await browser.get(`${server.url}/logout?ui_locales=de`, english)).text()
    expect(logout).toContain('<h1>Abmelden?</h1>')
  })

  it('without ui_locales, Accept-Language decides by q-value, a regional tag matching its language', async () => {
    const { response, html } = await loginPage(new Browser(), {}, { 'accept-language': 'fr;q=0.2, de-AT;q=0.9, en;q=0.5' })
    expect(response.headers.get('content-language')).toBe('de')
    expect(html).toContain('Anmelden, um mit')
  })

  it('the first supported of ui_locales wins, and a configured catalogue is a language (missing texts in English)', async () => {
    const { html } = await loginPage(new Browser(), { ui_locales: 'ja fr de' }, { 'accept-language': 'de' })
    expect(html).toContain('<html lang="fr">')
    expect(html).toContain('<title>Connexion · Acme ID</title>')
    expect(html).toContain('>Se connecter</button>')
    expect(html).toContain('<label for="password">Password</label>')
  })

  it('an unknown language is no error: the default language', async () => {
    const { response, html } = await loginPage(new Browser(), { ui_locales: 'ja x-klingon' }, { 'accept-language': 'ja, zh;q=0.8' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-language')).toBe('en')
    expect(html).toContain('<html lang="en">')
    expect(html).toContain('<title>Sign in · Acme ID</title>')
  })

  it('an error page at /authorize speaks the requested language', async () => {
    const response = await new Browser().get(authorizeUrl(server.url, { ...authorizationParams({ ui_locales: 'de' }), client_id: 'nobody' }))
    expect(response.status).toBe(400)
    const html = await response.text()
    expect(html).toContain('<h1>Unbekannte Anwendung</h1>')
    expect(html).toContain('Fehlercode: invalid_client')
  })

  it('discovery lists ui_locales_supported, the default first', async () => {
    const metadata = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { ui_locales_supported?: string[] }
    expect(metadata.ui_locales_supported).toEqual(['en', 'de', 'fr'])
  })
})

describe('the theme', () => {
  it('shows the product name, colours, logo and stylesheet, the stylesheet under the page nonce', async () => {
    const { response, html } = await loginPage(new Browser(), {})
    const nonce = /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1]
    expect(nonce).toBeDefined()
    expect(html).toContain('--primary:#0a7d33')
    expect(html).toContain('--accent:#7a1fa2')
    expect(html).toContain('<img src="/theme/logo" alt="Acme ID logo">Acme ID</p>')
    expect(html).toContain(`<link rel="stylesheet" href="/theme/style.css" nonce="${nonce}">`)
    // The CSP is as strict as without a theme: only the nonce and images from here.
    expect(response.headers.get('content-security-policy')).toContain(`style-src 'nonce-${nonce}';`)
  })

  it('serves the logo and stylesheet from this origin, the logo unable to run anything opened on its own', async () => {
    const logo = await fetch(`${server.url}/theme/logo`)
    expect(logo.status).toBe(200)
    expect(logo.headers.get('content-type')).toBe('image/svg+xml')
    expect(logo.headers.get('content-security-policy')).toContain('sandbox')
    expect(logo.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await logo.text()).toBe(LOGO)
    const css = await fetch(`${server.url}/theme/style.css`)
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(await css.text()).toBe(CSS)
  })

  it('refuses a hostile colour or a foreign logo URL when the configuration loads', () => {
    const base = { issuer: 'http://127.0.0.1:4000', store: createMemoryStore(), secret: 'x'.repeat(32) }
    for (const primaryColor of ['red;}body{display:none', '#0a7d33;background:url(//evil)', 'expression(alert(1))', '#12345g']) {
      expect(() => resolveConfig({ ...base, ui: { theme: { primaryColor } } })).toThrow(ConfigError)
      expect(() => resolveConfig({ ...base, ui: { theme: { primaryColor } } })).toThrow(/ui\.theme\.primaryColor must be a colour #rgb or #rrggbb/)
    }
    expect(() => resolveConfig({ ...base, ui: { theme: { logoUrl: 'https://evil.example/logo.png' } } })).toThrow(/ui\.theme\.logoUrl/)
    expect(() => resolveConfig({ ...base, ui: { theme: { stylesheetUrl: '//evil.example/x.css' } } })).toThrow(/ui\.theme\.stylesheetUrl/)
    expect(() => resolveConfig({ ...base, ui: { catalogues: { fr: { 'login.titel': 'x' } as never } } })).toThrow(/ui\.catalogues\.fr has an unknown key/)
    expect(() => resolveConfig({ ...base, ui: { defaultLocale: 'fr' } })).toThrow(/ui\.defaultLocale/)
    // The configuration file refuses them too, naming the key.
    expect(() => parseConfigFile({ branding: { primaryColor: 'red;}body{display:none' } }, 'tessera.json')).toThrow(/branding\.primaryColor/)
    expect(() => parseConfigFile({ branding: { accentColor: 'url(javascript:alert(1))' } }, 'tessera.json')).toThrow(/branding\.accentColor/)
  })

  it('the configuration file names a logo, a stylesheet and JSON catalogues, read relative to it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-theme-'))
    writeFileSync(join(dir, 'logo.svg'), LOGO)
    writeFileSync(join(dir, 'site.css'), CSS)
    writeFileSync(join(dir, 'fr.json'), JSON.stringify({ 'login.title': 'Connexion' }))
    const file = parseConfigFile({ branding: { logo: 'logo.svg', stylesheet: 'site.css', primaryColor: '#123' }, languages: { default: 'de', catalogues: { fr: 'fr.json' } } }, 'tessera.json')
    const ui = uiFromConfigFile(file, join(dir, 'tessera.json'))
    expect(ui?.defaultLocale).toBe('de')
    expect(ui?.catalogues?.fr).toEqual({ 'login.title': 'Connexion' })
    expect(ui?.theme?.primaryColor).toBe('#123')
    expect(ui?.theme?.stylesheet).toBe(CSS)
    expect(ui?.theme?.logo?.contentType).toBe('image/svg+xml')
    const resolved = resolveConfig({ issuer: 'http://127.0.0.1:4000', store: createMemoryStore(), secret: 'x'.repeat(32), ...(ui ? { ui } : {}) })
    expect(resolved.ui.languages.supported).toEqual(['de', 'en', 'fr'])
    expect(resolved.ui.theme.logoUrl).toBe('/theme/logo')
  })

  it('the configuration file may name a module of page templates, laid over Tessera\'s own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-pages-'))
    writeFileSync(join(dir, 'pages.mjs'), "export default { error: (view, nonce, env) => `<!doctype html><html lang=\"${env.t.locale}\"><style nonce=\"${nonce}\"></style><h1>Oops: ${view.code}</h1>` }\n")
    writeFileSync(join(dir, 'bad.mjs'), 'export default { footer: () => "" }\n')
    const pages = await pagesFromConfigFile(parseConfigFile({ branding: { pages: './pages.mjs' } }, 'tessera.json'), join(dir, 'tessera.json'))
    expect(pages?.error({ title: 't', message: 'm', code: 'access_denied' }, 'bm9uY2U=', { t: { locale: 'de', text: () => '', html: () => { throw new Error('unused') } } })).toContain('<h1>Oops: access_denied</h1>')
    expect(pages?.login).toBe(defaultPageRenderer.login)
    await expect(pagesFromConfigFile(parseConfigFile({ branding: { pages: './bad.mjs' } }, 'tessera.json'), join(dir, 'tessera.json'))).rejects.toThrow(/branding\.pages: \.\/bad\.mjs exports footer, which is no page/)
    expect(() => parseConfigFile({ branding: { pages: './pages.ts' } }, 'tessera.json')).toThrow(/branding\.pages/)
  })
})

/** A browser whose every request says it prefers German. */
class GermanBrowser extends Browser {
  override get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    return super.get(url, { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5', ...headers })
  }

  override post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return super.post(url, form, { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5', ...headers })
  }
}

describe('account pages and mail in the browser\'s language', () => {
  it('a German browser gets the account page, the reset pages and the reset mail in German', async () => {
    const sent: MailMessage[] = []
    const account = await startTestServer({ store: 'memory', capabilities: [accountSelfService({ mail: { send: (message) => { sent.push(message); return Promise.resolve() } } })] })
    try {
      const browser = new GermanBrowser()
      const page = await openAccount(account.url, browser, account.users.alice)
      expect(page).toContain('<html lang="de">')
      expect(page).toContain('<h1>Ihr Konto</h1>')
      expect(page).toContain('Wo Sie angemeldet sind')
      expect(page).toContain('>Profil speichern</button>')
      expect(page).toContain('Bestätigung in zwei Schritten')

      const visitor = new GermanBrowser()
      const request = await (await visitor.get(`${account.url}/account/password-reset`)).text()
      expect(request).toContain('<h1>Passwort zurücksetzen</h1>')
      const form = formFor(request, '/account/password-reset')
      const answer = await (await visitor.post(form.action, { ...form.fields, email: 'alice@example.com' })).text()
      expect(answer).toContain('Sehen Sie in Ihr Postfach')
      await vi.waitFor(() => expect(sent).toHaveLength(1))
      expect(sent[0]?.subject).toBe('Ihr Passwort bei Tessera zurücksetzen')
      expect(sent[0]?.text).toContain('Neues Passwort wählen: http')
      expect(sent[0]?.html).toContain('<html lang="de">')
    } finally {
      await account.close()
    }
  })
})
