/**
 * Catalogue wave 2 §21 — the device authorization grant (DV), over loopback HTTP against the standalone
 * server with the device capability (RFC 8628). Fixtures of §0.4: `devc`, `devc2` (public device
 * clients) and `devconf` (confidential). Forwarded addresses are honoured only from the configured proxy
 * (127.0.0.1 in the servers that configure one).
 */
import { describe, expect, it } from 'vitest'
import { createClient, createUser } from '../../src/server/admin.js'
import { deviceAuthorization, DEVICE_CODE_GRANT_TYPE } from '../../src/server/device/index.js'
import { DEVICE_CODE } from '../../src/storage/kinds/device-codes.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { basicAuth, type TestClient, type TestServer, type TestUser } from '../helpers/tessera.js'
import { expectTokenError, postForm, securityServerForFile, sleep, withSecurityServer } from './helpers.js'
import { createHash } from 'node:crypto'

interface Started { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number }

/** Sign-ins hash passwords and 1,000 flows are started: generous for suites running in parallel on two cores. */
const TIMEOUT = 120_000

const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url')
const now = (): number => Math.floor(Date.now() / 1000)

async function deviceClients(server: TestServer): Promise<Record<'devc' | 'devc2' | 'devconf', TestClient>> {
  const registry = server.standalone.server.registry
  const add = async (id: string, name: string, method: 'none' | 'client_secret_basic'): Promise<TestClient> => {
    const existing = await server.store.clients.get(id)
    if (existing) throw new Error(`${id} exists`)
    const { clientSecret } = await createClient(server.store, {
      name, clientId: id, authMethod: method, grantTypes: [DEVICE_CODE_GRANT_TYPE, 'refresh_token'], scopes: ['openid', 'offline_access', 'notes:read'],
    }, now(), { registry })
    return { id, secret: clientSecret, method, redirectUri: '' }
  }
  return {
    devc: await add('devc', 'Kitchen display', 'none'),
    // A client name chosen to look like the server itself, with markup: the page must show it escaped.
    devc2: await add('devc2', 'Tessera Account <b>official</b>', 'none'),
    devconf: await add('devconf', 'Conference room', 'client_secret_basic'),
  }
}

function authorizeDevice(server: TestServer, client: TestClient, form: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Response> {
  const auth: Record<string, string> = client.method === 'none' ? {} : { authorization: basicAuth(client) }
  return postForm(server, '/device_authorization', { ...(client.method === 'none' ? { client_id: client.id } : {}), scope: 'openid notes:read', ...form }, { ...auth, ...headers })
}

async function start(server: TestServer, client: TestClient): Promise<Started> {
  const response = await authorizeDevice(server, client)
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as Started
}

function poll(server: TestServer, client: TestClient, deviceCode: string): Promise<Response> {
  const auth: Record<string, string> = client.method === 'none' ? {} : { authorization: basicAuth(client) }
  return postForm(server, '/token', { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode, ...(client.method === 'none' ? { client_id: client.id } : {}) }, auth)
}

/** Opens `url` (the verification page) as `user`, signing in on the way: the page's HTML and CSRF token. */
async function openVerification(server: TestServer, browser: Browser, user: TestUser, url = `${server.url}/device`, headers: Record<string, string> = {}): Promise<{ html: string; csrf: string }> {
  let response = await browser.get(url, headers)
  for (let step = 0; step < 8 && response.status === 303; step++) {
    const next = new URL(response.headers.get('location') ?? '', server.url)
    if (next.pathname.startsWith('/interaction/')) {
      const form = parseForm(await (await browser.get(next.href, headers)).text())
      response = await browser.post(form.action, { ...form.fields, username: user.username, password: user.password }, headers)
    } else {
      response = await browser.get(next.href, headers)
    }
  }
  const html = await response.text()
  expect(response.status, html.slice(0, 300)).toBe(200)
  return { html, csrf: parseForm(html).fields.csrf_token ?? '' }
}

function submitCode(server: TestServer, browser: Browser, csrf: string, userCode: string, headers: Record<string, string> = {}, decision?: 'approve' | 'deny'): Promise<Response> {
  return browser.post(`${server.url}/device`, { csrf_token: csrf, user_code: userCode, ...(decision ? { decision } : {}) }, { origin: server.url, ...headers })
}

/** A user code that is well formed and names no flow. */
function wrongCode(index: number): string {
  const letters = 'BCDFGHJKLMNPQRSTVWXZ'
  return `ZZZZ-${letters[index % 20]}${letters[Math.floor(index / 20) % 20]}ZZ`
}

const server = await securityServerForFile({ capabilities: [deviceAuthorization()] })
const clients = await deviceClients(server)

async function pendingRecord(target: TestServer, deviceCode: string) {
  return (await target.store.records.get(DEVICE_CODE, sha256(deviceCode), now()))?.value
}

describe('DV device authorization grant', () => {
  it('DV-01 user_code guessing is throttled per source and per account, across sessions, and not reset by success', async () => {
    await withSecurityServer({ capabilities: [deviceAuthorization({ userCodeFailures: 10 })] }, async (target) => {
      const mine = await deviceClients(target)
      const { user_code: right, expires_in: expiresIn } = await start(target, mine.devc)
      expect(expiresIn).toBeLessThanOrEqual(900)
      // One session: wrong codes until 429 with Retry-After.
      const browser = new Browser()
      const { csrf } = await openVerification(target, browser, target.users.alice)
      const statuses: number[] = []
      for (let i = 0; i < 12; i++) statuses.push((await submitCode(target, browser, csrf, wrongCode(i))).status)
      expect(statuses.slice(0, 10).every((status) => status === 400)).toBe(true)
      const refused = await submitCode(target, browser, csrf, wrongCode(99))
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
      // The right code from the same source is refused too: the counter holds until its window ends.
      expect((await submitCode(target, browser, csrf, right)).status).toBe(429)
      // A new session (another user, even) from the same source does not start a new count.
      const fresh = new Browser()
      const other = await openVerification(target, fresh, target.users.bob)
      expect((await submitCode(target, fresh, other.csrf, wrongCode(1))).status).toBe(429)
      // X-Forwarded-For from a source that is not a configured proxy changes nothing.
      expect((await submitCode(target, fresh, other.csrf, wrongCode(2), { 'x-forwarded-for': '203.0.113.9' })).status).toBe(429)
    })
  }, TIMEOUT)

  it('DV-01 behind the configured proxy: a new forwarded address per guess still meets the per-account limit, and IPv6 counts by /64', async () => {
    await withSecurityServer({ capabilities: [deviceAuthorization({ userCodeFailures: 10 })], trustedProxies: ['127.0.0.1'] }, async (target) => {
      await deviceClients(target)
      // Fifty addresses, one account: the account's count trips.
      const browser = new Browser()
      const alice = await openVerification(target, browser, target.users.alice, undefined, { 'x-forwarded-for': '198.51.100.1' })
      const spread: number[] = []
      for (let i = 0; i < 15; i++) spread.push((await submitCode(target, browser, alice.csrf, wrongCode(i), { 'x-forwarded-for': `198.51.100.${i + 10}` })).status)
      expect(spread.slice(0, 10).every((status) => status === 400)).toBe(true)
      expect(spread.slice(10).every((status) => status === 429)).toBe(true)
      // Addresses of one /64, spelled differently, with fresh accounts: the /64's count trips.
      const users: TestUser[] = []
      for (let i = 0; i < 3; i++) {
        const username = `carol${i}`
        const created = await createUser(target.store, { username, password: 'carol-password' }, now())
        users.push({ id: created.id, username, password: 'carol-password' })
      }
      const [first, second, third] = users as [TestUser, TestUser, TestUser]
      const b1 = new Browser()
      const s1 = await openVerification(target, b1, first, undefined, { 'x-forwarded-for': '2001:db8:1:2::1' })
      for (let i = 0; i < 10; i++) expect((await submitCode(target, b1, s1.csrf, wrongCode(i), { 'x-forwarded-for': `2001:db8:1:2::${(i + 1).toString(16)}` })).status).toBe(400)
      const b2 = new Browser()
      const s2 = await openVerification(target, b2, second, undefined, { 'x-forwarded-for': '2001:0db8:0001:0002:ffff:0:0:1' })
      expect((await submitCode(target, b2, s2.csrf, wrongCode(20), { 'x-forwarded-for': '2001:0db8:0001:0002:ffff:0:0:1' })).status).toBe(429)
      // Another /64 is another source.
      const b3 = new Browser()
      const s3 = await openVerification(target, b3, third, undefined, { 'x-forwarded-for': '2001:db8:1:3::1' })
      expect((await submitCode(target, b3, s3.csrf, wrongCode(21), { 'x-forwarded-for': '2001:db8:1:3::1' })).status).toBe(400)
    })
  }, TIMEOUT)

  it('DV-01 user codes: 8 letters of the base-20 alphabet (34 bits), no repeats in 1,000 flows, expiring with the device code', async () => {
    const seen = new Set<string>()
    // Ten at a time: the suites share two cores.
    for (let batch = 0; batch < 100; batch++) {
      const bodies = await Promise.all(Array.from({ length: 10 }, async () => (await (await authorizeDevice(server, clients.devc)).json()) as Started))
      for (const body of bodies) {
        expect(body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
        expect(body.expires_in).toBeLessThanOrEqual(900)
        seen.add(body.user_code)
      }
    }
    expect(seen.size).toBe(1000)
    expect(8 * Math.log2(20)).toBeGreaterThanOrEqual(34)
  }, TIMEOUT)

  it('DV-02 fast polls get slow_down with 5 s more each time and never tokens; random device codes are invalid_grant, then throttled', async () => {
    const { device_code: deviceCode } = await start(server, clients.devc)
    expect(Buffer.from(deviceCode, 'base64url').length * 8).toBeGreaterThanOrEqual(128)
    const errors: string[] = []
    for (let i = 0; i < 4; i++) {
      const response = await poll(server, clients.devc, deviceCode)
      expect(response.status).toBe(400)
      errors.push(String(((await response.json()) as { error: string }).error))
    }
    expect(errors[0]).toBe('authorization_pending')
    expect(errors.slice(1)).toEqual(['slow_down', 'slow_down', 'slow_down'])
    expect((await pendingRecord(server, deviceCode))?.interval).toBe(5 + 3 * 5)

    // A client of its own: the limit is per client (and address), and the other cases go on using theirs.
    const guesser = 'devguess'
    await createClient(server.store, { name: 'Guesser', clientId: guesser, authMethod: 'none', grantTypes: [DEVICE_CODE_GRANT_TYPE], scopes: ['notes:read'] }, now(), { registry: server.standalone.server.registry })
    const statuses = new Set<number>()
    const codes = new Set<string>()
    for (let i = 0; i < 120; i++) {
      const response = await postForm(server, '/token', { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: `guess-${i}-${Math.random()}`, client_id: guesser })
      statuses.add(response.status)
      codes.add(String(((await response.json()) as { error: string }).error))
      if (response.status === 429) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
        break
      }
    }
    expect(codes).toContain('invalid_grant')
    expect(statuses).toContain(429)
    expect(statuses).not.toContain(500)
  }, TIMEOUT)

  it('DV-02 a client polling at the advertised interval is never told to slow down', async () => {
    await withSecurityServer({ capabilities: [deviceAuthorization({ intervalSeconds: 1 })] }, async (target) => {
      const mine = await deviceClients(target)
      const { device_code: deviceCode, interval } = await start(target, mine.devc)
      expect(interval).toBe(1)
      for (let i = 0; i < 3; i++) {
        await expectTokenError(await poll(target, mine.devc, deviceCode), 'authorization_pending', 400)
        // A little over the interval, as RFC 8628 §3.5 asks of the client.
        await sleep(1100)
      }
    })
  }, TIMEOUT)

  it('DV-05 neither the complete URI nor a typed code approves by itself; the page names the client, scopes and code, and warns', async () => {
    const { device_code: deviceCode, user_code: userCode, verification_uri_complete: complete } = await start(server, clients.devc2)
    const browser = new Browser()
    const arrived = await openVerification(server, browser, server.users.alice, complete)
    expect(arrived.html).toContain(`name="user_code"`)
    expect(arrived.html).toContain(`value="${userCode}"`)
    expect((await pendingRecord(server, deviceCode))?.status).toBe('pending')

    const confirm = await submitCode(server, browser, arrived.csrf, userCode.toLowerCase().replace('-', ''))
    expect(confirm.status).toBe(200)
    const html = await confirm.text()
    expect(html).toContain('Tessera Account &lt;b&gt;official&lt;/b&gt;')
    expect(html).not.toContain('<b>official</b>')
    expect(html).toContain(userCode)
    expect(html).toContain('Read your notes')
    expect(html).toMatch(/Only continue if you started this on a device you own/)
    expect(html).toContain('value="approve"')
    expect(html).toContain('value="deny"')
    expect((await pendingRecord(server, deviceCode))?.status).toBe('pending')
    // Anti-framing on the page.
    expect(confirm.headers.get('x-frame-options')).toBe('DENY')
    expect(confirm.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")

    // Approval without the CSRF field, with a wrong one, or from a foreign origin: 403, nothing approved.
    const noCsrf = await browser.post(`${server.url}/device`, { user_code: userCode, decision: 'approve' }, { origin: server.url })
    expect(noCsrf.status).toBe(403)
    expect((await submitCode(server, browser, 'forged', userCode, {}, 'approve')).status).toBe(403)
    expect((await submitCode(server, browser, arrived.csrf, userCode, { origin: 'https://attacker.test' }, 'approve')).status).toBe(403)
    expect((await pendingRecord(server, deviceCode))?.status).toBe('pending')

    const approved = await submitCode(server, browser, arrived.csrf, userCode, {}, 'approve')
    expect(approved.status).toBe(200)
    expect((await poll(server, clients.devc2, deviceCode)).status).toBe(200)

    // No remembered consent: the next flow of the same client shows the approval page again.
    const next = await start(server, clients.devc2)
    const again = await submitCode(server, browser, (await openVerification(server, browser, server.users.alice)).csrf, next.user_code)
    expect(await again.text()).toContain('value="approve"')
    expect((await pendingRecord(server, next.device_code))?.status).toBe('pending')
  }, TIMEOUT)

  it('DV-06 device authorization endpoint hygiene', async () => {
    const unknown = await postForm(server, '/device_authorization', { client_id: 'nobody', scope: 'openid' })
    await expectTokenError(unknown, 'invalid_client', 401)
    const notDevice = await postForm(server, '/device_authorization', { scope: 'openid' }, { authorization: basicAuth(server.clients.conf) })
    await expectTokenError(notDevice, 'unauthorized_client', 400)
    const wrongSecret = await postForm(server, '/device_authorization', { scope: 'openid' }, { authorization: basicAuth({ ...clients.devconf, secret: 'wrong' }) })
    await expectTokenError(wrongSecret, 'invalid_client', 401)
    expect(wrongSecret.headers.get('www-authenticate')).toMatch(/^Basic /)
    await expectTokenError(await authorizeDevice(server, clients.devconf, { scope: 'openid notes:write' }), 'invalid_scope', 400)
    const get = await fetch(`${server.url}/device_authorization`)
    expect([400, 405]).toContain(get.status)
    const oversized = await fetch(`${server.url}/device_authorization`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `client_id=devc&scope=${'a'.repeat(1024 * 1024)}`,
    })
    expect([400, 413]).toContain(oversized.status)

    const valid = await authorizeDevice(server, clients.devconf)
    expect(valid.status).toBe(200)
    expect(valid.headers.get('cache-control')).toBe('no-store')
    expect(valid.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await valid.json()) as Started
    expect(Object.keys(body).sort()).toEqual(['device_code', 'expires_in', 'interval', 'user_code', 'verification_uri', 'verification_uri_complete'])
    expect(new URL(body.verification_uri).origin).toBe(new URL(server.url).origin)
    expect(body.interval).toBe(5)

    const metadata = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>
    expect(metadata.device_authorization_endpoint).toBe(`${server.url}/device_authorization`)
    expect(metadata.grant_types_supported).toContain(DEVICE_CODE_GRANT_TYPE)
    await withSecurityServer({}, async (plain) => {
      const without = (await (await fetch(`${plain.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>
      expect(without.device_authorization_endpoint).toBeUndefined()
      expect(without.grant_types_supported).not.toContain(DEVICE_CODE_GRANT_TYPE)
      expect((await postForm(plain, '/device_authorization', { client_id: 'pub' })).status).toBe(404)
    })
  }, TIMEOUT)
})
