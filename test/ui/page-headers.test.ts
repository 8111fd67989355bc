/**
 * Issue 6, "headers on every HTML page" (catalogue AZ-17, SC-01): every page the server renders — the error
 * page, login (also after a failed attempt), consent, logout confirmation, logged out — and every redirect
 * that carries a code or an error back to the client is walked over real HTTP, and each must carry the
 * whole set. Over an https issuer (driven through `handle()`: the test server has no certificate) every
 * response must add HSTS (RFC 6797).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, createUser } from '../../src/server/admin.js'
import { createAuthorizationServer } from '../../src/server/create-server.js'
import { createMemoryStore } from '../../src/storage/memory.js'
import { parseForm } from '../helpers/http-client.js'
import { RP1, SECRET, type TestServer } from '../helpers/tessera.js'
import { authorizationRequest, HandleBrowser, RecordingBrowser, startSecurityServer } from '../security/helpers.js'

let server: TestServer
beforeAll(async () => {
  server = await startSecurityServer()
})
afterAll(async () => {
  await server?.close()
})

interface Seen {
  label: string
  status: number
  headers: Headers
  body: string
}

/** What every HTML page must carry; returns the page's CSP nonce. */
function expectHtmlPageHeaders(page: Seen): string {
  const { headers, label } = page
  expect(headers.get('content-type'), label).toBe('text/html; charset=utf-8')
  const csp = new Map((headers.get('content-security-policy') ?? '').split(';').map((directive) => {
    const [name = '', ...values] = directive.trim().split(/\s+/)
    return [name, values.join(' ')] as const
  }))
  expect(csp.get('default-src'), label).toBe("'none'")
  expect(csp.get('frame-ancestors'), label).toBe("'none'")
  expect(csp.get('base-uri'), label).toBe("'none'")
  expect(csp.get('object-src'), label).toBe("'none'")
  expect(csp.has('script-src'), label).toBe(false)
  const nonce = /^'nonce-([A-Za-z0-9+/]{22}==)'$/.exec(csp.get('style-src') ?? '')?.[1]
  expect(nonce, `${label}: style-src is a nonce`).toBeDefined()
  // The nonce is the one on the page's own <style>, and nothing else on the page is unlocked.
  const styles = [...page.body.matchAll(/<style\b([^>]*)>/g)].map((match) => match[1] ?? '')
  expect(styles.length, label).toBeGreaterThan(0)
  for (const attributes of styles) expect(attributes, label).toBe(` nonce="${nonce ?? ''}"`)
  expect(page.body, label).not.toMatch(/<script\b/i)
  expect(headers.get('x-frame-options'), label).toBe('DENY')
  expect(headers.get('x-content-type-options'), label).toBe('nosniff')
  expect(headers.get('referrer-policy'), label).toBe('no-referrer')
  expect(headers.get('cache-control'), label).toBe('no-store')
  expect(headers.get('access-control-allow-origin'), label).toBeNull()
  return nonce ?? ''
}

/** A redirect back to the client carrying a code or an error (RFC 9700 §4.2.4, §4.12). */
function expectClientRedirectHeaders(redirect: Seen): URL {
  expect(redirect.status, redirect.label).toBe(303)
  expect(redirect.headers.get('referrer-policy'), redirect.label).toBe('no-referrer')
  expect(redirect.headers.get('cache-control'), redirect.label).toBe('no-store')
  expect(redirect.headers.get('access-control-allow-origin'), redirect.label).toBeNull()
  return new URL(redirect.headers.get('location') ?? '')
}

/**
 * Walks every page and client redirect with `request` (real HTTP, or `handle()` for https), returning each
 * response labelled. `base` is the issuer; `clientId` a client for `RP1` whose consent is not yet given.
 */
async function walk(request: (method: 'GET' | 'POST', url: string, form?: Record<string, string>) => Promise<Seen>, base: string, clientId: string): Promise<{ pages: Seen[]; redirects: Seen[] }> {
  const pages: Seen[] = []
  const redirects: Seen[] = []
  const client = { id: clientId, secret: undefined, method: 'client_secret_basic' as const, redirectUri: RP1 }
  const authorize = (overrides: Record<string, string> = {}): string => `${base}/authorize?${new URLSearchParams(authorizationRequest(client, overrides).params).toString()}`
  const page = async (label: string, method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<Seen> => {
    const seen = { ...(await request(method, url, form)), label }
    pages.push(seen)
    return seen
  }

  await page('error page: unknown client', 'GET', `${base}/authorize?client_id=nope&response_type=code`)
  await page('error page: expired interaction', 'GET', `${base}/interaction/no-such-interaction`)
  const start = await request('GET', authorize())
  const login = await page('login', 'GET', start.headers.get('location') ?? '')
  const loginForm = parseForm(login.body)
  await page('login after a wrong password', 'POST', loginForm.action, { ...loginForm.fields, username: 'alice', password: 'wrong-password' })
  const retry = parseForm(pages.at(-1)?.body ?? '')
  const afterLogin = await request('POST', retry.action, { ...retry.fields, username: 'alice', password: 'alice-password' })
  const consent = await page('consent', 'GET', afterLogin.headers.get('location') ?? '')
  const consentForm = parseForm(consent.body)
  redirects.push({ ...(await request('POST', consentForm.action, { ...consentForm.fields, decision: 'allow' })), label: 'code after consent' })
  redirects.push({ ...(await request('GET', authorize({ prompt: 'none' }))), label: 'code from prompt=none' })
  const denied = await request('GET', authorize({ prompt: 'consent' }))
  const again = parseForm((await request('GET', denied.headers.get('location') ?? '')).body)
  redirects.push({ ...(await request('POST', again.action, { ...again.fields, decision: 'deny' })), label: 'access_denied after consent' })
  await page('error page: bad id_token_hint', 'GET', `${base}/logout?id_token_hint=not-a-jwt`)
  const confirm = await page('logout confirmation', 'GET', `${base}/logout`)
  const confirmForm = parseForm(confirm.body)
  await page('logged out', 'POST', confirmForm.action, confirmForm.fields)
  return { pages, redirects }
}

function expectWalk({ pages, redirects }: { pages: Seen[]; redirects: Seen[] }): void {
  const nonces = new Set(pages.map(expectHtmlPageHeaders))
  // A nonce is fresh per response, or it protects nothing.
  expect(nonces.size).toBe(pages.length)
  const [code, silent, denied] = redirects.map(expectClientRedirectHeaders)
  expect(code?.searchParams.get('code')).toBeTruthy()
  expect(silent?.searchParams.get('code')).toBeTruthy()
  expect(denied?.searchParams.get('error')).toBe('access_denied')
}

describe('HTML security headers on every page (issue 6; catalogue AZ-17, SC-01)', () => {
  it('AZ-17 SC-01 every page carries CSP with a fresh nonce, no framing, nosniff, no-referrer; code redirects no-referrer and no-store; no HSTS over http', async () => {
    const clientId = 'headers-walk'
    await createClient(server.store, { name: 'Header walk', clientId, redirectUris: [RP1], postLogoutRedirectUris: [], grantTypes: ['authorization_code'], scopes: ['openid', 'profile', 'email'] }, Math.floor(Date.now() / 1000))
    const browser = new RecordingBrowser()
    const request = async (method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<Seen> => {
      // Origin as a cross-site page would send it on the GETs: it must never earn a CORS header.
      const response = method === 'GET' ? await browser.get(url, { origin: 'https://evil.test' }) : await browser.post(url, form ?? {})
      return { label: '', status: response.status, headers: response.headers, body: await response.text() }
    }
    const seen = await walk(request, server.url, clientId)
    expect(seen.pages.map((page) => page.label)).toEqual([
      'error page: unknown client',
      'error page: expired interaction',
      'login',
      'login after a wrong password',
      'consent',
      'error page: bad id_token_hint',
      'logout confirmation',
      'logged out',
    ])
    expectWalk(seen)
    for (const response of browser.responses) expect(response.headers.get('strict-transport-security')).toBeNull()
  })

  it('SC-01 over an https issuer every response adds HSTS', async () => {
    const store = createMemoryStore()
    const now = Math.floor(Date.now() / 1000)
    await createUser(store, { username: 'alice', password: 'alice-password' }, now)
    await createClient(store, { name: 'TLS client', clientId: 'tls', redirectUris: [RP1], grantTypes: ['authorization_code'], scopes: ['openid', 'profile', 'email'] }, now)
    const tls = await createAuthorizationServer({ issuer: 'https://as.example.test', store, secret: SECRET })
    const browser = new HandleBrowser(tls)
    const all: Seen[] = []
    const request = async (method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<Seen> => {
      const seen = { ...(await browser.request(method, url, form)), label: `${method} ${new URL(url, tls.issuer).pathname}` }
      all.push(seen)
      return seen
    }
    expectWalk(await walk(request, tls.issuer, 'tls'))
    all.push({ ...(await browser.request('GET', '/.well-known/openid-configuration')), label: 'discovery' })
    for (const response of all) expect(response.headers.get('strict-transport-security'), response.label).toMatch(/^max-age=(\d{8,}|3153[6-9]\d{3})(; includeSubDomains)?$/)
  })
})
