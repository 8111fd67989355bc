import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { consoleBrowser, csrfTokenOf, formFor, postForm, startConsoleServer } from '../helpers/admin-console.js'
import { Browser } from '../helpers/http-client.js'
import type { TestServer } from '../helpers/tessera.js'

// Catalogue wave 2, AC-08: the admin console (src/server/admin-console/) against cross-site requests, script
// injected through data the console shows (client names, redirect URIs, registration metadata, audit fields)
// and framing. Users' names are the users pages' part of the same case.

let server: TestServer
let admin: Browser

beforeAll(async () => {
  server = await startConsoleServer()
  admin = await consoleBrowser(server)
})
afterAll(() => server.close())

const now = (): number => Math.floor(Date.now() / 1000)

describe('AC-08 the admin console resists CSRF, XSS and framing', () => {
  it('AC-08 refuses cross-site and token-less POSTs with 403, changing nothing; GET never changes state', async () => {
    await createClient(server.store, { name: 'Target', clientId: 'target', grantTypes: ['client_credentials'] }, now())
    const page = await (await admin.get(`${server.url}/admin/clients/target/delete`)).text()
    const token = csrfTokenOf(page)
    const url = `${server.url}/admin/clients/target/delete`
    const attempts: [Record<string, string>, Record<string, string>][] = [
      [{}, {}],
      [{ csrf_token: 'wrong' }, {}],
      [{ csrf_token: `${token.slice(0, -2)}xx` }, {}],
      [{ csrf_token: token }, { origin: 'https://evil.example' }],
      [{ csrf_token: token }, { 'sec-fetch-site': 'cross-site' }],
      [{ csrf_token: token }, { origin: 'null', 'sec-fetch-site': 'cross-site' }],
    ]
    for (const [form, headers] of attempts) {
      const refused = await postForm(admin, url, form, headers)
      expect(refused.status, JSON.stringify({ form, headers })).toBe(403)
      expect(await refused.text()).toContain('could not be verified')
    }
    // Another console session's token is no good either.
    const other = await consoleBrowser(server)
    const otherToken = csrfTokenOf(await (await other.get(`${server.url}/admin/clients`)).text())
    expect((await postForm(admin, url, { csrf_token: otherToken })).status).toBe(403)
    expect((await admin.get(url)).status).toBe(200)
    expect(await server.store.clients.get('target')).toBeDefined()
    // Without a console session a POST goes to sign in, and changes nothing.
    expect((await postForm(new Browser(), url, { csrf_token: token })).status).toBe(303)
    expect(await server.store.clients.get('target')).toBeDefined()
    // The same-origin POST with the token does it.
    expect((await postForm(admin, url, { csrf_token: token }, { origin: new URL(server.url).origin, 'sec-fetch-site': 'same-origin' })).status).toBe(303)
    expect(await server.store.clients.get('target')).toBeUndefined()
  })

  it('AC-08 renders client names, redirect URIs and registration metadata escaped, and never as links', async () => {
    const payload = '<img src=x onerror=alert(1)>'
    const { client } = await createClient(server.store, { name: payload, clientId: 'xss-client', redirectUris: ['https://xss.example/cb'] }, now())
    // As a registrant could have sent them (RFC 7591 §5: client metadata is attacker-controlled).
    await server.store.clients.update({ ...client, redirect_uris: ['https://xss.example/cb?q="><script>alert(1)</script>'], client_uri: 'javascript:alert(1)' })
    for (const path of ['/clients?q=xss', '/clients/xss-client', '/clients/xss-client/edit', '/clients/xss-client/delete', '/clients/xss-client/rotate']) {
      const text = await (await admin.get(`${server.url}/admin${path}`)).text()
      expect(text, path).not.toContain(payload)
      expect(text, path).not.toContain('<script>alert(1)')
      expect(text, path).not.toMatch(/href="javascript:/i)
      expect(text, path).toContain('&lt;img src=x onerror=alert(1)&gt;')
    }
    const detail = await (await admin.get(`${server.url}/admin/clients/xss-client`)).text()
    expect(detail).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(detail).toContain('<span class="mono">javascript:alert(1)</span>')
  })

  it('AC-08 renders audit fields escaped (a username typed at the login page)', async () => {
    const typed = '"><script>alert(1)</script>'
    const browser = new Browser()
    let response = await browser.get(`${server.url}/admin/audit`)
    for (let step = 0; step < 5 && response.status === 303; step++) {
      const next = new URL(response.headers.get('location') ?? '', server.url)
      if (next.pathname.startsWith('/interaction/')) {
        const form = formFor(await (await browser.get(next.href)).text(), '/login')
        response = await browser.post(form.action, { ...form.fields, username: typed, password: 'wrong-password' })
        break
      }
      response = await browser.get(next.href)
    }
    const trail = await (await admin.get(`${server.url}/admin/audit?type=login`)).text()
    expect(trail).toContain('username=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(trail).not.toContain(typed)
  })

  it('AC-08 forbids framing and inline script on every console page, signed in or not', async () => {
    for (const [browser, path] of [[admin, '/clients'], [admin, '/audit'], [admin, '/registration'], [new Browser(), '/signed-out'], [new Browser(), '/callback?state=x']] as const) {
      const response = await browser.get(`${server.url}/admin${path}`)
      expect(response.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/)
      expect(response.headers.get('x-frame-options'), path).toBe('DENY')
      expect(response.headers.get('content-security-policy'), path).not.toMatch(/unsafe-inline|unsafe-eval/)
    }
  })
})
