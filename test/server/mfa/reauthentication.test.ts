/**
 * The password entered again before a second factor or a passkey changes (src/server/mfa/reauthentication.ts),
 * as both settings pages use it, over real HTTP: a session older than the window is asked for it on both
 * pages; the right password opens both for the window; a wrong one is refused and counted as a failed sign-in,
 * and after `lockAfter` of them the account is locked on both pages.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createUser } from '../../../src/server/admin.js'
import { passkeys } from '../../../src/server/passkeys/index.js'
import { LOGIN_SESSION } from '../../../src/storage/kinds/sessions.js'
import { Browser, parseForm } from '../../helpers/http-client.js'
import { authorize, startTestServer, type TestUser } from '../../helpers/tessera.js'

const server = await startTestServer({ store: 'memory', capabilities: [passkeys()], loginThrottle: { lockAfter: 3 } })
afterAll(async () => {
  await server.close()
})

const TWO_FACTOR = '/account/two-factor'
const PASSKEYS = '/account/passkeys'
const ASKED = 'Enter your password again'

let userCounter = 0

/** A new user signed in through the login page, the session then aged past the re-authentication window. */
async function staleSession(): Promise<{ browser: Browser; user: TestUser }> {
  const username = `rhea-${++userCounter}`
  const password = `${username}-password`
  const created = await createUser(server.store, { username, password }, Math.floor(Date.now() / 1000))
  const user = { id: created.id, username, password }
  const browser = new Browser()
  await authorize(server, browser, { client: server.clients.conf, user, scope: 'openid' })
  const now = Math.floor(Date.now() / 1000)
  const sessions = await server.store.records.listBySubject(LOGIN_SESSION, user.id)
  expect(sessions).toHaveLength(1)
  for (const session of sessions) {
    await server.store.records.put(LOGIN_SESSION, { key: session.key, value: { ...session.value, auth_time: now - 3600 }, expiresAt: session.expiresAt, subject: user.id }, { replace: true })
  }
  return { browser, user }
}

async function page(browser: Browser, path: string): Promise<string> {
  const response = await browser.get(`${server.url}${path}`)
  expect(response.status).toBe(200)
  return response.text()
}

async function enterPassword(browser: Browser, path: string, password: string): Promise<Response> {
  const html = await page(browser, path)
  expect(html).toContain(ASKED)
  return browser.post(`${server.url}${path}`, { csrf_token: parseForm(html).fields.csrf_token ?? '', step: 'reauthenticate', password })
}

describe('re-authentication on the settings pages', () => {
  it('asks a stale session for the password on both pages; entered on one, it opens both', async () => {
    const { browser, user } = await staleSession()
    expect(await page(browser, PASSKEYS)).toContain(ASKED)
    const entered = await enterPassword(browser, TWO_FACTOR, user.password)
    expect(entered.status).toBe(303)
    expect(new URL(entered.headers.get('location') ?? '', server.url).pathname).toBe(TWO_FACTOR)
    expect(await page(browser, TWO_FACTOR)).not.toContain(ASKED)
    const passkeyPage = await page(browser, PASSKEYS)
    expect(passkeyPage).not.toContain(ASKED)
    expect(passkeyPage).toContain('data-webauthn')
  })

  it('refuses a wrong password on either page as a failed sign-in, and locks the account on both after three', async () => {
    const { browser, user } = await staleSession()
    for (const path of [PASSKEYS, TWO_FACTOR, PASSKEYS]) {
      const wrong = await enterPassword(browser, path, 'not-the-password')
      expect(wrong.status, path).toBe(400)
      expect(await wrong.text()).toContain('The password is incorrect.')
    }
    // The audit trail is written after the answer.
    const reasons = async (): Promise<unknown[]> => (await server.store.audit.list({ type: 'login.failed', subject: user.id, limit: 10 })).map((record) => record.details.reason)
    await expect.poll(reasons).toEqual(['wrong_password', 'wrong_password', 'wrong_password'])
    // Locked: even the right password is refused now, on both pages.
    const locked = await enterPassword(browser, TWO_FACTOR, user.password)
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await locked.text()).toContain('Too many failed attempts.')
    expect((await enterPassword(browser, PASSKEYS, user.password)).status).toBe(429)
    expect(await page(browser, PASSKEYS)).toContain(ASKED)
  })
})
