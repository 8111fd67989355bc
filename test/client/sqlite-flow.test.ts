import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteClientStore } from '../../src/client/sqlite-store.js'
import { Browser } from '../helpers/http-client.js'
import type { RelyingPartyStore } from '../../src/client/store.js'
import type { TestApp } from './app.js'
import { startEvilProvider, type EvilProvider } from './evil-provider.js'
import { attemptLogin, startEvilRp } from './evil-harness.js'
import { contextFor, loginDirect } from './session-flows.js'

/** The whole flow on the SQLite client store, and what actually lands in its tables. */

let evil: EvilProvider
let app: TestApp
let store: RelyingPartyStore
const rows: { sealed: string[] } = { sealed: [] }

beforeAll(async () => {
  evil = await startEvilProvider()
  const inner = await openSqliteClientStore({ filename: ':memory:' })
  // Observe what is written, to prove tokens and PKCE verifiers are sealed at rest.
  store = {
    ...inner,
    transactions: { ...inner.transactions, save: (record) => (rows.sealed.push(record.sealed), inner.transactions.save(record)) },
    sessions: {
      ...inner.sessions,
      save: (record) => (rows.sealed.push(record.tokens), inner.sessions.save(record)),
      updateTokens: (key, tokens, now) => (rows.sealed.push(tokens), inner.sessions.updateTokens(key, tokens, now)),
      replaceTokens: (key, tokens, version, now) => (rows.sealed.push(tokens), inner.sessions.replaceTokens(key, tokens, version, now)),
    },
  }
  app = await startEvilRp(evil, {}, { store })
})
afterAll(async () => {
  await app?.close()
  await store?.close()
  await evil?.close()
})

describe('relying party on openSqliteClientStore', () => {
  it('logs in, refreshes and logs out; no token or verifier is stored in the clear', async () => {
    const browser = new Browser()
    const login = await loginDirect(browser, app, 'evil')
    const refreshed = await app.oauth.refreshToken(contextFor(browser, app))
    const token = evil.requests.find((request) => request.path === '/token')
    const verifier = token?.body.get('code_verifier') ?? ''
    const secrets = [login.tokens.access_token, login.tokens.refresh_token ?? '', refreshed.access_token, refreshed.refresh_token ?? '', verifier]
    expect(rows.sealed.length).toBeGreaterThanOrEqual(3)
    for (const sealed of rows.sealed) {
      expect(sealed).toMatch(/^v1\./)
      for (const secret of secrets) expect(sealed).not.toContain(secret)
    }
    const result = await app.oauth.logout(contextFor(browser, app))
    expect(result.revoked).toBe(true)
    expect(await app.oauth.currentUser(contextFor(browser, app))).toBeUndefined()
  })

  it('serves the app routes', async () => {
    const attempt = await attemptLogin(app)
    expect(attempt.response.status).toBe(303)
  })
})
