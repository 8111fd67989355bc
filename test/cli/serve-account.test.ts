import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServe } from '../helpers/cli.js'
import { formFor, linkIn } from '../helpers/account.js'
import { Browser } from '../helpers/http-client.js'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js'

// Black-box: the built command with `mail` and `account` from a configuration file.
const env = { ...process.env, TESSERA_SECRET: 'cli-test-secret-cli-test-secret-0123456789', TESSERA_LOG_LEVEL: 'warn' }
let dir: string
let sink: SmtpSink

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-serve-account-'))
  sink = await startSmtpSink()
})
afterAll(async () => {
  await sink?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('tessera-oidc serve with mail', () => {
  it('offers the account page, password reset and self-registration from the config file, and mails through SMTP', async () => {
    const config = join(dir, 'tessera.config.json')
    writeFileSync(config, JSON.stringify({ mail: { url: sink.url, from: 'Tessera <no-reply@example.test>' }, account: { registration: true, resetLinkLifetime: '15m' } }))
    const serve = await startServe(join(dir, 'tessera.db'), ['--config', config], env, { demo: false })
    try {
      const browser = new Browser()
      const account = await browser.get(`${serve.url}/account`)
      expect(account.status).toBe(303)
      expect(account.headers.get('location')).toContain('client_id=urn%3Atessera%3Aaccount')
      const page = await (await browser.get(`${serve.url}/account/register`)).text()
      const form = formFor(page, '/account/register')
      expect((await browser.post(form.action, { ...form.fields, username: 'newcomer', email: 'newcomer@example.test', password: 'newcomer-password' })).status).toBe(200)
      const mail = await sink.next('newcomer@example.test')
      expect(linkIn(mail.body, '/account/verify-email?token=')).toContain(serve.url)
      expect((await browser.get(`${serve.url}/account/password-reset`)).status).toBe(200)
    } finally {
      await serve.stop()
    }
  }, 60_000)

  it('refuses a reset link lifetime over an hour at start, naming the key', async () => {
    const config = join(dir, 'long.config.json')
    writeFileSync(config, JSON.stringify({ mail: { url: sink.url, from: 'x@example.test' }, account: { resetLinkLifetime: '2h' } }))
    await expect(startServe(join(dir, 'long.db'), ['--config', config], env, { demo: false })).rejects.toThrow(/account\.resetLinkLifetime/)
  }, 60_000)
})
