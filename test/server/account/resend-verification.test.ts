import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accountSelfService } from '../../../src/server/account/index.js'
import { createUser } from '../../../src/server/admin.js'
import { formFor, linkIn, openAccount } from '../../helpers/account.js'
import { Browser } from '../../helpers/http-client.js'
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js'
import { startTestServer, type TestServer } from '../../helpers/tessera.js'

/*
 * "Send the confirmation link again" (issue 17): after sign-up (an address typed in, no session) and on the
 * account page. Mail is caught by an in-test SMTP server. The public form must not tell which addresses
 * have accounts (catalogue AC-02) and is limited per client address; the tests of this file share one
 * server, so its five requests an hour from 127.0.0.1, in order.
 */

let server: TestServer
let sink: SmtpSink

beforeAll(async () => {
  sink = await startSmtpSink()
  server = await startTestServer({
    store: 'memory',
    capabilities: [accountSelfService({ mail: { url: sink.url, from: 'Tessera <no-reply@example.test>' }, registration: true })],
  })
})

afterAll(async () => {
  await server?.close()
  await sink?.close()
})

/** What the server says, with what differs per response by design (time, CSP nonce) taken out. */
async function comparable(response: Response): Promise<{ status: number; body: string; headers: [string, string][] }> {
  const nonce = /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1] ?? '\0'
  const headers = [...response.headers].filter(([name]) => name !== 'date').map(([name, value]): [string, string] => [name, value.replaceAll(nonce, 'NONCE')])
  return { status: response.status, body: (await response.text()).replaceAll(nonce, 'NONCE'), headers }
}

async function resend(browser: Browser, email: string): Promise<Response> {
  const page = await (await browser.get(`${server.url}/account/verify-email/resend`)).text()
  const form = formFor(page, '/account/verify-email/resend')
  return browser.post(form.action, { ...form.fields, email })
}

/** Opens a confirmation link and presses its button; the answer (or the refusal of the link itself). */
async function confirm(link: string): Promise<Response> {
  const browser = new Browser()
  const page = await browser.get(link)
  if (page.status !== 200) return page
  const form = formFor(await page.text(), '/account/verify-email')
  return browser.post(form.action, form.fields)
}

describe('resending the address-confirmation link', () => {
  it('AC-02 after sign-up: the same answer for a waiting, a verified and an unknown address; only the waiting one gets a new link, and the old one dies', async () => {
    const browser = new Browser()
    const registration = formFor(await (await browser.get(`${server.url}/account/register`)).text(), '/account/register')
    const sent = await (await browser.post(registration.action, { ...registration.fields, username: 'gina', email: 'gina@example.test', password: 'a-long-password' })).text()
    // The "check your inbox" page offers the resend form.
    expect(sent).toContain(`href="${server.url}/account/verify-email/resend"`)
    const first = linkIn((await sink.next('gina@example.test')).body, '/account/verify-email?token=')
    await createUser(server.store, { username: 'hal', password: 'hal-password', email: 'hal@example.test', emailVerified: true }, Math.floor(Date.now() / 1000))

    const waiting = await comparable(await resend(browser, 'gina@example.test'))
    expect(waiting.status).toBe(200)
    expect(waiting.body).toContain('If an account is waiting for this address to be confirmed')
    expect(await comparable(await resend(browser, 'hal@example.test'))).toEqual(waiting)
    expect(await comparable(await resend(browser, 'nobody@example.test'))).toEqual(waiting)

    const second = linkIn((await sink.next('gina@example.test')).body, '/account/verify-email?token=')
    expect(second).not.toBe(first)
    expect((await confirm(first)).status).toBe(400)
    expect((await confirm(second)).status).toBe(200)
    expect((await server.store.users.getByUsername('gina'))?.email_verified).toBe(true)
    expect(sink.to('hal@example.test')).toEqual([])
    expect(sink.to('nobody@example.test')).toEqual([])
    await expect.poll(async () => (await server.store.audit.list({ type: 'account.verification_resent', limit: 10 })).length).toBe(1)
  })

  it('is limited per client address, for known and unknown addresses alike (429 with Retry-After)', async () => {
    const browser = new Browser()
    let answer = await resend(browser, 'someone-0@example.test')
    for (let attempt = 1; answer.status === 200 && attempt < 10; attempt++) answer = await resend(browser, `someone-${attempt}@example.test`)
    expect(answer.status).toBe(429)
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await answer.text()).toContain('Too many requests from your network')
    await createUser(server.store, { username: 'ivy', password: 'ivy-password', email: 'ivy@example.test', emailVerified: false }, Math.floor(Date.now() / 1000))
    expect((await resend(browser, 'ivy@example.test')).status).toBe(429)
    expect(sink.to('ivy@example.test')).toEqual([])
  })

  it('from the account page: a new link to the unverified address, or to the address of a pending change, replacing the older link', async () => {
    const jay = { username: 'jay', password: 'jay-password' }
    await createUser(server.store, { ...jay, email: 'jay@example.test', emailVerified: false }, Math.floor(Date.now() / 1000))
    const browser = new Browser()
    const page = await openAccount(server.url, browser, jay)
    expect(page).toContain('Send the confirmation link again')
    const form = formFor(page, '/account/email/resend')
    const answer = await browser.post(form.action, form.fields)
    expect(answer.headers.get('location')).toContain('notice=email-sent')
    expect((await confirm(linkIn((await sink.next('jay@example.test')).body, '/account/verify-email?token='))).status).toBe(200)
    const verified = await (await browser.get(`${server.url}/account`)).text()
    expect(verified).toContain('jay@example.test (verified)')
    expect(verified).not.toContain('Send the confirmation link again')

    // A change to a new address: the resend goes there, and the first link stops working.
    const change = formFor(verified, '/account/email')
    await browser.post(change.action, { ...change.fields, email: 'jay-new@example.test' })
    const older = linkIn((await sink.next('jay-new@example.test')).body, '/account/verify-email?token=')
    const pending = await (await browser.get(`${server.url}/account`)).text()
    const again = formFor(pending, '/account/email/resend')
    expect((await browser.post(again.action, again.fields)).headers.get('location')).toContain('notice=email-sent')
    const newer = linkIn((await sink.next('jay-new@example.test')).body, '/account/verify-email?token=')
    expect(sink.to('jay@example.test').filter((mail) => mail.body.includes('/account/verify-email?token='))).toHaveLength(1)
    expect((await confirm(older)).status).toBe(400)
    expect((await confirm(newer)).status).toBe(200)
    expect((await server.store.users.getByUsername('jay'))?.email).toBe('jay-new@example.test')
  })
})
