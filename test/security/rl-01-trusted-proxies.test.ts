/**
 * Catalogue §12 — RL-01 and RL-05 in the spirit of "limits an attacker cannot dodge by spoofing
 * X-Forwarded-For": trusted proxies are configured, never assumed. Over loopback HTTP, with the login
 * throttle per client address and the client-authentication limit.
 */
import { describe, expect, it } from 'vitest'
import { newPkce } from '../helpers/pkce.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { authorizeUrl, startTestServer, type TestServer } from '../helpers/tessera.js'
import { basic, form, rawRequest } from '../fuzz/raw-http.js'

async function withServer<T>(options: Parameters<typeof startTestServer>[0], use: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await startTestServer({ store: 'memory', ...options })
  try {
    return await use(server)
  } finally {
    await server.close()
  }
}

async function loginForm(server: TestServer, browser: Browser) {
  const { challenge } = newPkce()
  const start = await browser.get(authorizeUrl(server.url, {
    response_type: 'code', client_id: 'conf', redirect_uri: server.clients.conf.redirectUri, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
  }))
  return parseForm(await (await browser.get(start.headers.get('location') ?? '')).text())
}

/** Wrong passwords for ever-new usernames (so only the per-address counter can trip), each with its own forwarded address. */
async function sprayLogins(server: TestServer, forwardedFor: (attempt: number) => string, attempts: number): Promise<number[]> {
  const browser = new Browser()
  const page = await loginForm(server, browser)
  const statuses: number[] = []
  for (let attempt = 0; attempt < attempts; attempt++) {
    const response = await browser.post(page.action, { ...page.fields, username: `user-${attempt}`, password: 'wrong' }, { 'x-forwarded-for': forwardedFor(attempt) })
    statuses.push(response.status)
  }
  return statuses
}

function wrongSecret(server: TestServer, from: string, forwardedFor: string) {
  return rawRequest(server.url, {
    method: 'POST',
    target: '/token',
    headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['Authorization', basic('m2m', 'not-the-secret')], ['X-Forwarded-For', forwardedFor]],
    body: form([['grant_type', 'client_credentials']]),
    localAddress: from,
  })
}

describe('RL trusted proxies', () => {
  it('RL-01 a spoofed X-Forwarded-For from an untrusted peer does not change the throttled address (login)', async () => {
    await withServer({ loginThrottle: { perAddress: 3 }, trustedProxies: ['10.0.0.0/8'] }, async (server) => {
      const statuses = await sprayLogins(server, (attempt) => `203.0.113.${attempt + 1}`, 5)
      expect(statuses).toEqual([400, 400, 400, 429, 429])
    })
  })

  it('RL-01 behind a trusted proxy each forwarded client has its own login counter', async () => {
    await withServer({ loginThrottle: { perAddress: 3 }, trustedProxies: ['127.0.0.1', '::1'] }, async (server) => {
      expect(await sprayLogins(server, (attempt) => `203.0.113.${attempt + 1}`, 5)).toEqual([400, 400, 400, 400, 400])
      // The same forwarded client is still counted, however the left part of the header is forged.
      expect(await sprayLogins(server, (attempt) => `198.51.100.${attempt}, 192.0.2.7`, 4)).toEqual([400, 400, 400, 429])
    })
  })

  it('RL-02 client-authentication limits follow the trusted-proxy configuration too', async () => {
    await withServer({ clientLimits: { authFailuresPerClientAddress: 2 }, trustedProxies: ['127.0.0.1'] }, async (server) => {
      // From an untrusted peer (127.0.0.2) a different forged address each time changes nothing.
      const untrusted = [await wrongSecret(server, '127.0.0.2', '203.0.113.1'), await wrongSecret(server, '127.0.0.2', '203.0.113.2'), await wrongSecret(server, '127.0.0.2', '203.0.113.3')]
      expect(untrusted.map((response) => response.status)).toEqual([401, 401, 429])
      // Through the trusted proxy (127.0.0.1) the forwarded client is what counts.
      const proxied = [await wrongSecret(server, '127.0.0.1', '203.0.113.9'), await wrongSecret(server, '127.0.0.1', '203.0.113.9'), await wrongSecret(server, '127.0.0.1', '203.0.113.9')]
      expect(proxied.map((response) => response.status)).toEqual([401, 401, 429])
      expect((await wrongSecret(server, '127.0.0.1', '203.0.113.10')).status).toBe(401)
    })
  })
})
