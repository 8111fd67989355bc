import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSealedSecret } from '../../../src/jwt/sealed-secret.js'
import { createClient } from '../../../src/server/admin.js'
import { adminApi } from '../../../src/server/admin-api/index.js'
import { adminConsole, consoleWithPages } from '../../../src/server/admin-console/index.js'
import type { ConsolePage, ConsoleResult } from '../../../src/server/admin-console/types.js'
import { createAuthorizationServer } from '../../../src/server/create-server.js'
import { ADMIN_CONSOLE_SESSION } from '../../../src/storage/kinds/admin-console.js'
import { createMemoryStore } from '../../../src/storage/memory.js'
import { html } from '../../../src/ui/index.js'
import { consoleBrowser, csrfTokenOf, formFor, openConsole, postForm, startConsoleServer, submitConsoleForm } from '../../helpers/admin-console.js'
import { Browser } from '../../helpers/http-client.js'
import { clientPost, SECRET, type TestServer } from '../../helpers/tessera.js'

let server: TestServer
let admin: Browser

beforeAll(async () => {
  server = await startConsoleServer()
  admin = await consoleBrowser(server)
})
afterAll(() => server.close())

const now = (): number => Math.floor(Date.now() / 1000)

/** Creates a confidential client through the console; its id, the secret page's URL and the secret. */
async function createThroughConsole(browser: Browser, fields: Record<string, string | string[]>): Promise<{ location: string; secret: string; page: string }> {
  const created = await submitConsoleForm(server, browser, '/clients/new', '/clients/new', fields)
  expect(created.status).toBe(303)
  const location = created.headers.get('location') ?? ''
  const page = await (await browser.get(location)).text()
  const secret = /id="client-secret" type="text" readonly value="([^"]+)"/.exec(page)?.[1] ?? ''
  return { location, secret, page }
}

describe('sign-in', () => {
  it('lets a named admin in through the login page, with a Strict, HttpOnly console cookie on /admin', async () => {
    const browser = new Browser()
    const first = await browser.get(`${server.url}/admin/clients`)
    expect(first.status).toBe(303)
    const authorize = new URL(first.headers.get('location') ?? '')
    expect(authorize.pathname).toBe('/authorize')
    expect(authorize.searchParams.get('client_id')).toBe('urn:tessera:admin-console')
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(authorize.searchParams.get('scope')).toBe('openid admin:read admin:write')
    const cookie = first.headers.getSetCookie().find((value) => value.startsWith('tessera-admin='))
    expect(cookie).toMatch(/Path=\/admin; HttpOnly; SameSite=Strict/)
    const page = await openConsole(server.url, browser, server.users.alice, '/clients')
    expect(page.status).toBe(200)
    const text = await page.text()
    expect(text).toContain('Signed in as <strong>Alice Liddell</strong>')
    expect(text).toContain('<h1>Clients</h1>')
  })

  it('refuses a signed-in user who is not an admin with a 403 page, and keeps no console session', async () => {
    const browser = new Browser()
    const refused = await openConsole(server.url, browser, server.users.bob, '/clients')
    expect(refused.status).toBe(403)
    const text = await refused.text()
    expect(text).toContain('Not an administrator')
    expect(text).not.toContain('<nav class="console-nav"')
    // The provider session lives, the console still sends bob to sign in and refuses him again.
    const again = await browser.get(`${server.url}/admin/clients`)
    expect(again.status).toBe(303)
    expect(new URL(again.headers.get('location') ?? '').pathname).toBe('/authorize')
  })

  it('takes a callback only in the browser that started the sign-in', async () => {
    const starter = new Browser()
    const first = await starter.get(`${server.url}/admin/clients`)
    const state = new URL(first.headers.get('location') ?? '').searchParams.get('state') ?? ''
    const stranger = new Browser()
    const forged = await stranger.get(`${server.url}/admin/callback?code=x&state=${state}`)
    expect(forged.status).toBe(400)
    expect(forged.headers.getSetCookie().some((value) => value.startsWith('tessera-admin=') && !/Max-Age=0/.test(value))).toBe(false)
    const unknown = await starter.get(`${server.url}/admin/callback?code=x&state=nothing-we-made`)
    expect(unknown.status).toBe(400)
  })

  it('sends an admin whose page asks for a fresh sign-in through /authorize with max_age=0 and back', async () => {
    const fresh: ConsolePage = {
      method: 'GET', path: '/keys', section: 'keys',
      handle: (request) => Promise.resolve<ConsoleResult>(request.query.get('back') === null
        ? { kind: 'fresh-auth', returnTo: '/keys?back=1' }
        : { kind: 'page', title: 'Keys', body: html`<p>recent: ${String(request.recentlyAuthenticated)}</p>` }),
    }
    const other = await startConsoleServer({ console: consoleWithPages([fresh]) })
    try {
      const browser = new Browser()
      expect((await openConsole(other.url, browser, other.users.alice, '/keys?back=1')).status).toBe(200)
      const asked = await browser.get(`${other.url}/admin/keys`)
      expect(asked.status).toBe(303)
      const authorize = new URL(asked.headers.get('location') ?? '')
      expect(authorize.searchParams.get('max_age')).toBe('0')
      const back = await openConsole(other.url, browser, other.users.alice, '/keys')
      expect(back.status).toBe(200)
      expect(await back.text()).toContain('recent: true')
    } finally {
      await other.close()
    }
  })

  it('with requireMfa asks for the two-factor level and refuses a sign-in without a second factor', async () => {
    const other = await startConsoleServer({ console: adminConsole({ requireMfa: true }) })
    try {
      const browser = new Browser()
      const first = await browser.get(`${other.url}/admin/clients`)
      expect(new URL(first.headers.get('location') ?? '').searchParams.get('acr_values')).toBe('urn:tessera:mfa')
      const refused = await openConsole(other.url, browser, other.users.alice, '/clients')
      expect(refused.status).toBe(403)
      expect(await refused.text()).toContain('Second factor needed')
    } finally {
      await other.close()
    }
  })

  it('goes through /authorize again when the access token expired, silently while the provider session lives', async () => {
    const other = await startConsoleServer({ lifetimes: { accessToken: 1 } })
    try {
      const browser = new Browser()
      expect((await openConsole(other.url, browser, other.users.alice, '/clients')).status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 2100))
      let response = await browser.get(`${other.url}/admin/audit`)
      const visited: string[] = []
      while (response.status === 303) {
        const next = new URL(response.headers.get('location') ?? '', other.url)
        visited.push(next.pathname)
        response = await browser.get(next.href)
      }
      expect(visited).toEqual(['/authorize', '/admin/callback', '/admin/audit'])
      expect(response.status).toBe(200)
    } finally {
      await other.close()
    }
  })

  it('signs an admin in right after a key rotation: the token signed with the new key opens the admin API', async () => {
    const other = await startConsoleServer()
    try {
      const admin = await consoleBrowser(other)
      const confirm = await (await admin.get(`${other.url}/admin/keys/rotate`)).text()
      const rotated = await postForm(admin, `${other.url}/admin/keys/rotate`, { csrf_token: csrfTokenOf(confirm) })
      expect(rotated.headers.get('location')).toBe(`${other.url}/admin/keys?notice=keys-rotated`)
      // A second sign-in at once: its tokens carry the new kid, which the API's key cache has not seen yet.
      const again = await openConsole(other.url, new Browser(), other.users.alice, '/clients')
      expect(again.status).toBe(200)
      expect(await again.text()).toContain('Signed in as')
    } finally {
      await other.close()
    }
  })

  it('signs out with a POST that ends the console session', async () => {
    const browser = await consoleBrowser(server)
    const page = await (await browser.get(`${server.url}/admin/clients`)).text()
    const out = await postForm(browser, `${server.url}/admin/sign-out`, { csrf_token: csrfTokenOf(page) })
    expect(out.status).toBe(303)
    expect(out.headers.get('location')).toBe(`${server.url}/admin/signed-out`)
    expect(out.headers.getSetCookie().join()).toMatch(/tessera-admin=; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=0/)
    expect((await browser.get(`${server.url}/admin/clients`)).status).toBe(303)
  })
})

describe('the console session at rest', () => {
  it('keeps the admin\'s access token sealed in the store, never readable, and the sealed one still opens the admin API', async () => {
    const alice = await server.store.users.getByUsername('alice')
    const sessions = await server.store.records.listBySubject(ADMIN_CONSOLE_SESSION, alice?.id ?? '')
    expect(sessions.length).toBeGreaterThan(0)
    for (const session of sessions) {
      const stored = JSON.stringify(session.value)
      const token = await openSealedSecret(session.value.access_token_sealed, [SECRET], 'admin-console-token')
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
      expect(stored).not.toContain(token)
      expect(Object.keys(session.value).sort()).toEqual(['access_token_sealed', 'auth_time', 'name', 'sub'])
      const api = await fetch(`${server.url}/admin/v1/clients?limit=1`, { headers: { authorization: `Bearer ${token ?? ''}` } })
      expect(api.status).toBe(200)
    }
  })

  it('sets its cookie on the console\'s path below an issuer with a path (/oidc/admin)', async () => {
    const issuer = 'https://id.example.test/oidc'
    const pathServer = await createAuthorizationServer({ issuer, store: createMemoryStore(), secret: SECRET, capabilities: [adminApi({ admins: ['alice'] }), adminConsole()] })
    const answer = await pathServer.fetch(new Request(`${issuer}/admin/clients`))
    expect(answer.status).toBe(303)
    expect(new URL(answer.headers.get('location') ?? '').pathname).toBe('/oidc/authorize')
    const cookie = answer.headers.getSetCookie().find((value) => value.startsWith('__Secure-tessera-admin='))
    expect(cookie).toMatch(/; Path=\/oidc\/admin;/)
  })
})

describe('pages', () => {
  it('every route answers with the strict page headers and no inline script', async () => {
    const { client } = await createClient(server.store, { name: 'Headers', clientId: 'headers-app', redirectUris: ['https://app.example/cb'] }, now())
    const paths = [
      '/clients', '/clients?q=head', '/clients/new', `/clients/${client.client_id}`, `/clients/${client.client_id}/edit`, `/clients/${client.client_id}/rotate`,
      `/clients/${client.client_id}/delete`, `/clients/${client.client_id}/secret?shown=nothing`, '/clients/no-such-client', '/audit', '/audit?type=client',
      '/registration', '/registration/shown', '/registration/abc/revoke', '/signed-out', '/no-such-page',
    ]
    for (const path of paths) {
      const response = await admin.get(`${server.url}/admin${path}`)
      expect(response.status, path).toBeLessThan(500)
      const csp = response.headers.get('content-security-policy') ?? ''
      expect(csp, path).toContain("frame-ancestors 'none'")
      expect(csp, path).toContain("default-src 'none'")
      expect(csp, path).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'(;|$)/)
      expect(csp, path).not.toContain('unsafe-inline')
      expect(response.headers.get('x-frame-options'), path).toBe('DENY')
      expect(response.headers.get('cache-control'), path).toBe('no-store')
      const text = await response.text()
      for (const script of text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)) {
        expect(script[0], path).toMatch(/src="[^"]+\/admin\/console\.js"/)
        expect(script[1], path).toBe('')
      }
    }
    const script = await admin.get(`${server.url}/admin/console.js`)
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(script.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('leaves the admin API at /admin/v1 to the admin API', async () => {
    const response = await fetch(`${server.url}/admin/v1/clients`)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })

  it('creates a client and shows its secret once: never in a URL, not on reload', async () => {
    const { location, secret, page } = await createThroughConsole(admin, {
      client_name: 'Billing', client_id: 'billing', grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic', scopes: 'notes:read',
    })
    expect(location).toMatch(/\/admin\/clients\/billing\/secret\?shown=[A-Za-z0-9_-]{43}$/)
    expect(secret.length).toBeGreaterThan(20)
    expect(location).not.toContain(secret)
    expect(page).toContain('shown only this once')
    const token = await clientPost(server, '/token', { id: 'billing', secret, method: 'client_secret_basic', redirectUri: '' }, { grant_type: 'client_credentials' })
    expect(token.status).toBe(200)
    const reload = await (await admin.get(location)).text()
    expect(reload).not.toContain(secret)
    expect(reload).toContain('Secret not shown again')
    // Nor on the client's page, nor to another admin session following the same link.
    expect(await (await admin.get(`${server.url}/admin/clients/billing`)).text()).not.toContain(secret)
  })

  it('rotates a secret after a confirmation page; the old one stops working', async () => {
    const { secret } = await createThroughConsole(admin, { client_name: 'Rotating', client_id: 'rotating', grant_types: ['client_credentials'], scopes: 'notes:read' })
    const confirm = await (await admin.get(`${server.url}/admin/clients/rotating/rotate`)).text()
    expect(confirm).toContain('Make a new secret for Rotating?')
    const form = formFor(confirm, '/clients/rotating/rotate')
    const rotated = await postForm(admin, form.action, form.fields)
    expect(rotated.status).toBe(303)
    const page = await (await admin.get(rotated.headers.get('location') ?? '')).text()
    const fresh = /id="client-secret" type="text" readonly value="([^"]+)"/.exec(page)?.[1] ?? ''
    expect(fresh).not.toBe('')
    expect(fresh).not.toBe(secret)
    expect((await clientPost(server, '/token', { id: 'rotating', secret, method: 'client_secret_basic', redirectUri: '' }, { grant_type: 'client_credentials' })).status).toBe(401)
    expect((await clientPost(server, '/token', { id: 'rotating', secret: fresh, method: 'client_secret_basic', redirectUri: '' }, { grant_type: 'client_credentials' })).status).toBe(200)
  })

  it('edits redirect URIs with the ETag, and a change made meanwhile gives a "changed by someone else" message', async () => {
    await createClient(server.store, { name: 'Editable', clientId: 'editable', redirectUris: ['https://edit.example/cb'] }, now())
    const stale = formFor(await (await admin.get(`${server.url}/admin/clients/editable/edit`)).text(), '/clients/editable/edit')
    expect(stale.fields.etag).toMatch(/^(W\/)?"/)
    const saved = await submitConsoleForm(server, admin, '/clients/editable/edit', '/clients/editable/edit', {
      client_name: 'Editable', redirect_uris: 'https://edit.example/cb\nhttps://edit.example/cb2', post_logout_redirect_uris: '',
      grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic', scopes: 'openid',
    })
    expect(saved.status).toBe(303)
    expect(saved.headers.get('location')).toBe(`${server.url}/admin/clients/editable?notice=saved`)
    expect((await server.store.clients.get('editable'))?.redirect_uris).toEqual(['https://edit.example/cb', 'https://edit.example/cb2'])
    const conflict = await postForm(admin, stale.action, {
      ...stale.fields, client_name: 'Editable', redirect_uris: 'https://edit.example/other', post_logout_redirect_uris: '', grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic', scopes: 'openid',
    })
    expect(conflict.status).toBe(412)
    expect(await conflict.text()).toContain('changed by someone else')
    expect((await server.store.clients.get('editable'))?.redirect_uris).toEqual(['https://edit.example/cb', 'https://edit.example/cb2'])
  })

  it('shows the admin API\'s errors as messages on the page, never a 500', async () => {
    const invalid = await submitConsoleForm(server, admin, '/clients/new', '/clients/new', { client_name: 'Bad', redirect_uris: 'javascript:alert(1)', grant_types: ['authorization_code'], scopes: 'openid' })
    expect(invalid.status).toBe(400)
    const text = await invalid.text()
    expect(text).toContain('role="alert"')
    expect(text).toContain('javascript:alert(1)</textarea>')
    await createClient(server.store, { name: 'Taken', clientId: 'taken', grantTypes: ['client_credentials'] }, now())
    const duplicate = await submitConsoleForm(server, admin, '/clients/new', '/clients/new', { client_name: 'Again', client_id: 'taken', grant_types: ['client_credentials'], scopes: 'notes:read' })
    expect(duplicate.status).toBe(409)
    expect(await duplicate.text()).toContain('exists already')
    const missing = await admin.get(`${server.url}/admin/clients/no-such-client`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('does not exist')
    const badFilter = await admin.get(`${server.url}/admin/audit?since=yesterday`)
    expect(badFilter.status).toBe(400)
    expect(await badFilter.text()).toContain('since must be Unix seconds or an RFC 3339 date-time')
    const badCursor = await admin.get(`${server.url}/admin/clients?cursor=garbage`)
    expect(badCursor.status).toBe(400)
  })

  it('deletes a client after a confirmation page', async () => {
    await createClient(server.store, { name: 'Doomed', clientId: 'doomed', grantTypes: ['client_credentials'] }, now())
    const confirm = await (await admin.get(`${server.url}/admin/clients/doomed/delete`)).text()
    expect(await server.store.clients.get('doomed')).toBeDefined()
    const form = formFor(confirm, '/clients/doomed/delete')
    const deleted = await postForm(admin, form.action, form.fields)
    expect(deleted.status).toBe(303)
    expect(deleted.headers.get('location')).toBe(`${server.url}/admin/clients?notice=deleted`)
    expect(await server.store.clients.get('doomed')).toBeUndefined()
    expect(await (await admin.get(deleted.headers.get('location') ?? '')).text()).toContain('The client was deleted.')
  })

  it('shows only its own notices: a name from the query that is not one of them, even an object member, shows nothing', async () => {
    for (const path of ['/clients', '/registration', '/users', '/keys']) {
      for (const name of ['constructor', 'toString', '__proto__', 'The client was deleted.']) {
        const page = await (await admin.get(`${server.url}/admin${path}?notice=${encodeURIComponent(name)}`)).text()
        expect(page, `${path} ${name}`).not.toContain('role="status"')
      }
    }
  })

  it('lists clients with filters and pages through the API\'s cursors', async () => {
    for (let index = 0; index < 55; index++) await createClient(server.store, { name: `Paged ${index}`, clientId: `paged-${String(index).padStart(2, '0')}`, grantTypes: ['client_credentials'] }, now())
    const first = await (await admin.get(`${server.url}/admin/clients?q=paged`)).text()
    expect(first.match(/<tr><td>/g)).toHaveLength(50)
    const next = /<a href="([^"]+)" rel="next">/.exec(first)?.[1]?.replace(/&amp;/g, '&') ?? ''
    expect(next).toContain('q=paged')
    const second = await (await admin.get(next)).text()
    expect(second.match(/<tr><td>/g)).toHaveLength(5)
    expect(second).not.toContain('rel="next"')
  })

  it('shows the audit trail of the console\'s changes, with the admin as actor', async () => {
    await createThroughConsole(admin, { client_name: 'Audited', client_id: 'audited', grant_types: ['client_credentials'], scopes: 'notes:read' })
    const trail = await (await admin.get(`${server.url}/admin/audit?client=audited`)).text()
    expect(trail).toContain('client.created')
    expect(trail).toContain(`actor_sub=${server.users.alice.id}`)
    expect(trail).toContain('actor_client_id=urn:tessera:admin-console')
  })

  it('creates an initial access token shown once, and revokes it', async () => {
    const made = await submitConsoleForm(server, admin, '/registration', '/registration/new', { expires_in: '3600' })
    expect(made.status).toBe(303)
    const location = made.headers.get('location') ?? ''
    const page = await (await admin.get(location)).text()
    const token = /id="initial-access-token" type="text" readonly value="([^"]+)"/.exec(page)?.[1] ?? ''
    expect(token).not.toBe('')
    expect(location).not.toContain(token)
    expect(await (await admin.get(location)).text()).not.toContain(token)
    const list = await (await admin.get(`${server.url}/admin/registration`)).text()
    const revokeLink = /href="([^"]+\/registration\/[^"/]+\/revoke)"/.exec(list)?.[1] ?? ''
    const confirm = await (await admin.get(revokeLink)).text()
    const form = formFor(confirm, '/revoke')
    const revoked = await postForm(admin, form.action, form.fields)
    expect(revoked.headers.get('location')).toBe(`${server.url}/admin/registration?notice=revoked`)
    expect(await (await admin.get(`${server.url}/admin/registration`)).text()).toContain('No live token.')
  })
})

describe('without the admin API', () => {
  it('the console says it needs it, instead of signing anyone in', async () => {
    const { startTestServer } = await import('../../helpers/tessera.js')
    const bare = await startTestServer({ store: 'memory', capabilities: [adminConsole()] })
    try {
      const response = await fetch(`${bare.url}/admin/clients`, { redirect: 'manual' })
      expect(response.status).toBe(503)
      expect(await response.text()).toContain('not enabled')
    } finally {
      await bare.close()
    }
  })
})

