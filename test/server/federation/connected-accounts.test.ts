import { afterAll, describe, expect, it } from 'vitest'
import { accountSelfService } from '../../../src/server/account/index.js'
import { federation } from '../../../src/server/federation/index.js'
import { passkeys } from '../../../src/server/passkeys/index.js'
import { federatedIdentities } from '../../../src/storage/kinds/federated-identities.js'
import { LOGIN_SESSION } from '../../../src/storage/kinds/sessions.js'
import { sha256 } from '../../../src/crypto/random.js'
import { Browser, parseForm } from '../../helpers/http-client.js'
import { startTestServer, type TestServer } from '../../helpers/tessera.js'
import { SoftwareAuthenticator, webauthnOptions, type CreationOptions } from '../../helpers/webauthn.js'
import { registerClient } from '../../security/helpers.js'
import { atUpstream, federatedLogin, openLoginPage } from './flow.js'
import { startUpstream, type Upstream } from './upstream-harness.js'

/*
 * The account page's "Connected accounts" section (issue 17): the user's identities at upstream providers,
 * linking one more through the upstream's login, removing one unless it is the last way to sign in; and
 * the federation error pages in the request's language. Over real HTTP against scripted upstreams.
 */

const upA = await startUpstream('upA')
const upB = await startUpstream('upB')
const config = (upstream: Upstream) => ({ id: upstream.name, issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, label: upstream.name })
const server: TestServer = await startTestServer({
  store: 'memory',
  development: { allowLoopbackFetch: true },
  capabilities: [accountSelfService({}), passkeys({}), federation({ upstreams: [config(upA), config(upB)] })],
})
afterAll(async () => {
  await server.close()
  await Promise.all([upA.close(), upB.close()])
})
const client = await registerClient(server)
const origin = new URL(server.url).origin

let counter = 0
const fresh = (prefix: string): string => `${prefix}-${++counter}-${Date.now().toString(36)}`
const now = (): number => Math.floor(Date.now() / 1000)

interface PageForm { action: string; fields: Record<string, string>; label: string }

/** Every form of a page with its hidden fields and its button's label. */
function forms(html: string): PageForm[] {
  return [...html.matchAll(/<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/g)].map(([, action = '', inner = '']) => ({
    action: action.replace(/&amp;/g, '&'),
    fields: Object.fromEntries([...inner.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map(([, name = '', value = '']) => [name, value.replace(/&amp;/g, '&')])),
    label: /<button[^>]*>([^<]*)<\/button>/.exec(inner)?.[1] ?? '',
  }))
}

function section(html: string): string {
  return /<section id="identities"[\s\S]*?<\/section>/.exec(html)?.[0] ?? ''
}

async function passwordBrowser(user: 'alice' | 'bob'): Promise<Browser> {
  const browser = new Browser()
  const started = await openLoginPage(server, browser, client)
  const form = parseForm(started.loginHtml)
  const { username, password } = server.users[user]
  expect((await browser.post(form.action, { ...form.fields, username, password })).status).toBe(303)
  return browser
}

async function accountPage(browser: Browser, headers: Record<string, string> = {}): Promise<string> {
  const page = await browser.get(`${server.url}/account`, headers)
  expect(page.status).toBe(200)
  return page.text()
}

/** Presses a form of the account page's section and follows an upstream login to the callback's answer. */
async function link(browser: Browser, html: string, upstream: Upstream): Promise<Response> {
  const form = forms(section(html)).find((entry) => entry.action === `${server.url}/federation/${upstream.name}/link`)
  if (!form) throw new Error(`no link form for ${upstream.name}: ${section(html)}`)
  expect(form.label).toBe(`Link your ${upstream.name} account`)
  const callback = await atUpstream(browser, await browser.post(form.action, form.fields))
  return browser.get(callback.href)
}

function unlinkForm(html: string, upstream: Upstream): PageForm | undefined {
  return forms(section(html)).find((entry) => entry.action === `${server.url}/federation/${upstream.name}/unlink`)
}

describe('connected accounts on the account page', () => {
  it('lists the linked identities, links another through the upstream\'s login, and removes one', async () => {
    const browser = await passwordBrowser('bob')
    const before = await accountPage(browser)
    expect(section(before)).toContain('Connected accounts')
    expect(section(before)).toContain('No account at another provider is linked.')
    const sub = fresh('bob-at-upA')
    upA.script = { sub }
    const linked = await link(browser, before, upA)
    expect(linked.status).toBe(303)
    expect(linked.headers.get('location')).toBe('/account?notice=identity-linked')
    expect((await federatedIdentities(server.store.records).find(upA.issuer, sub, now()))?.user_id).toBe(server.users.bob.id)

    const after = await (await browser.get(`${server.url}/account?notice=identity-linked`)).text()
    expect(after).toContain('The account has been linked.')
    expect(section(after)).toMatch(/upA[\s\S]*Linked /)
    // upA is linked: it can be removed (bob has a password) and is not offered again; upB still is.
    expect(forms(section(after)).map((form) => form.action)).toEqual([`${server.url}/federation/upA/unlink`, `${server.url}/federation/upB/link`])

    const remove = unlinkForm(after, upA)
    const removed = await browser.post(remove?.action ?? '', remove?.fields ?? {})
    expect(removed.status).toBe(303)
    expect(removed.headers.get('location')).toBe('/account?notice=identity-unlinked')
    expect(await federatedIdentities(server.store.records).find(upA.issuer, sub, now())).toBeUndefined()
    expect(await (await browser.get(`${server.url}/account?notice=identity-unlinked`)).text()).toContain('The account has been removed.')
    await expect.poll(async () => (await server.store.audit.list({ type: 'federation.unlinked', subject: server.users.bob.id, limit: 5 })).length).toBe(1)
  })

  it('the only way to sign in cannot be removed; once a passkey exists it can', async () => {
    const browser = new Browser()
    const sub = fresh('only-upA')
    upA.script = { sub }
    expect((await federatedLogin(server, browser, client, 'upA')).response.status).toBe(303)
    const identity = await federatedIdentities(server.store.records).find(upA.issuer, sub, now())
    const userId = identity?.user_id ?? ''
    const page = await accountPage(browser)
    expect(section(page)).toContain('This is your only way to sign in')
    expect(unlinkForm(page, upA)).toBeUndefined()
    // Posted anyway (a stale page, a crafted form): refused, nothing removed.
    const csrf = parseForm(page).fields.csrf_token ?? ''
    const refused = await browser.post(`${server.url}/federation/upA/unlink`, { csrf_token: csrf, return_to: '/account' })
    expect(refused.status).toBe(409)
    expect(await refused.text()).toContain('This is the only way to sign in to your account')
    expect(await federatedIdentities(server.store.records).find(upA.issuer, sub, now())).toBeDefined()

    // A passkey is another way in: now the identity can go.
    const settings = await (await browser.get(`${server.url}/account/passkeys`)).text()
    const authenticator = new SoftwareAuthenticator(origin)
    const { json } = authenticator.register(webauthnOptions<CreationOptions>(settings))
    expect((await browser.post(`${server.url}/account/passkeys`, { csrf_token: parseForm(settings).fields.csrf_token ?? '', step: 'register', name: 'Key', credential: json })).status).toBe(200)
    const withPasskey = await accountPage(browser)
    expect(section(withPasskey)).not.toContain('only way')
    const remove = unlinkForm(withPasskey, upA)
    expect((await browser.post(remove?.action ?? '', remove?.fields ?? {})).status).toBe(303)
    expect(await federatedIdentities(server.store.records).listByUser(userId)).toEqual([])
  })

  it('an identity at another configured upstream is another way in', async () => {
    const browser = new Browser()
    upA.script = { sub: fresh('two-upA') }
    expect((await federatedLogin(server, browser, client, 'upA')).response.status).toBe(303)
    const page = await accountPage(browser)
    expect(unlinkForm(page, upA)).toBeUndefined()
    upB.script = { sub: fresh('two-upB') }
    expect((await link(browser, page, upB)).status).toBe(303)
    const both = await accountPage(browser)
    expect(unlinkForm(both, upA)).toBeDefined()
    expect(unlinkForm(both, upB)).toBeDefined()
  })

  it('a session signed in too long ago is offered no link, and told to sign in again', async () => {
    const browser = await passwordBrowser('alice')
    const idHash = sha256((browser.jar.get('tessera-session') ?? '').split('.')[0] ?? '')
    const record = await server.store.records.get(LOGIN_SESSION, idHash, now())
    if (!record) throw new Error('no session')
    await server.store.records.put(LOGIN_SESSION, { key: idHash, value: { ...record.value, auth_time: now() - 3600 }, expiresAt: record.expiresAt, subject: record.subject }, { replace: true })
    const page = section(await accountPage(browser))
    expect(page).toContain('Linking an account needs a recent sign-in')
    expect(forms(page).filter((form) => form.action.endsWith('/link'))).toEqual([])
  })

  it('is in German for a German browser', async () => {
    const browser = await passwordBrowser('alice')
    const page = section(await accountPage(browser, { 'accept-language': 'de' }))
    expect(page).toContain('Verknüpfte Konten')
    expect(page).toContain('Ihr upA-Konto verknüpfen')
  })
})

describe('federation error pages in the request\'s language', () => {
  it('names the provider in the page\'s language when the upstream sign-in was cancelled', async () => {
    for (const [language, text] of [['de', 'Die Anmeldung mit upA wurde abgebrochen.'], ['en', 'The sign-in with upA was cancelled.']] as const) {
      const browser = new Browser()
      upA.script = { sub: fresh('cancel'), response: (query) => new URLSearchParams({ state: query.get('state') ?? '', iss: upA.issuer, error: 'access_denied' }) }
      const started = await openLoginPage(server, browser, client)
      const form = forms(started.loginHtml).find((entry) => entry.action.endsWith('/federation/upA/login'))
      const callback = await atUpstream(browser, await browser.post(form?.action ?? '', form?.fields ?? {}))
      const page = await browser.get(callback.href, { 'accept-language': language })
      expect(page.status).toBe(400)
      expect(page.headers.get('content-language')).toBe(language)
      const html = await page.text()
      expect(html).toContain(text)
      // No English detail under a German message: the text itself is translated.
      if (language === 'de') expect(html).not.toContain('cancelled')
    }
  })

  it('a link refused for a stale session is explained in German', async () => {
    const browser = await passwordBrowser('alice')
    const idHash = sha256((browser.jar.get('tessera-session') ?? '').split('.')[0] ?? '')
    const record = await server.store.records.get(LOGIN_SESSION, idHash, now())
    if (!record) throw new Error('no session')
    const csrf = parseForm(await accountPage(browser)).fields.csrf_token ?? ''
    await server.store.records.put(LOGIN_SESSION, { key: idHash, value: { ...record.value, auth_time: now() - 3600 }, expiresAt: record.expiresAt, subject: record.subject }, { replace: true })
    const refused = await browser.post(`${server.url}/federation/upA/link`, { csrf_token: csrf, return_to: '/account' }, { 'accept-language': 'de' })
    expect(refused.status).toBe(403)
    expect(await refused.text()).toContain('Melden Sie sich erneut an, um Ihr upA-Konto zu verknüpfen')
  })
})
