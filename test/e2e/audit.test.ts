import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findSecrets } from '../../scripts/check-logs.mjs'
import { LOG_OPTIONS } from '../../src/server/audit/redaction.js'
import type { AuditRecord } from '../../src/storage/types.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { newPkce } from '../helpers/pkce.js'
import { authorize, authorizeUrl, basicAuth, clientPost, exchangeCode, startTestServer, type TestServer, type TokenSet } from '../helpers/tessera.js'

// One scenario over real HTTP against a SQLite file store, then assertions on what it left in the store,
// in the database file and in the log stream.
let server: TestServer
let dir: string
let filename: string
const lines: string[] = []
/** Every secret the scenario handles: none may reach a log line or an audit record. */
const secrets = new Set<string>()
let records: AuditRecord[]
let tokens: TokenSet
let refreshed: TokenSet
let machineToken: string

async function login(browser: Browser, username: string, password: string): Promise<Response> {
  const { challenge } = newPkce()
  const start = await browser.get(authorizeUrl(server.url, {
    response_type: 'code', client_id: 'conf', redirect_uri: server.clients.conf.redirectUri, scope: 'openid offline_access',
    state: 's', code_challenge: challenge, code_challenge_method: 'S256',
  }))
  const form = parseForm(await (await browser.get(start.headers.get('location') ?? '')).text())
  return browser.post(form.action, { ...form.fields, username, password })
}

const ofType = (type: string) => records.filter((record) => record.type === type)

beforeAll(async () => {
  const logger = pino({ level: 'debug', ...LOG_OPTIONS }, { write: (line: string) => void lines.push(line) })
  dir = mkdtempSync(join(tmpdir(), 'tessera-audit-'))
  filename = join(dir, 'tessera.db')
  server = await startTestServer({ store: 'sqlite', filename, logger })
  const { alice } = server.users
  const { conf, m2m } = server.clients
  for (const client of Object.values(server.clients)) if (client.secret) secrets.add(client.secret)
  for (const user of Object.values(server.users)) secrets.add(user.password)

  // Failed logins: a wrong password for a real user, then a user that does not exist.
  expect((await login(new Browser(), alice.username, 'not-alices-password')).status).toBe(400)
  expect((await login(new Browser(), 'nobody-here', 'whatever-password')).status).toBe(400)
  secrets.add('not-alices-password').add('whatever-password')

  // Login, consent, code exchange; refresh once, then replay the rotated refresh token.
  const browser = new Browser()
  const result = await authorize(server, browser, { client: conf, scope: 'openid profile offline_access notes:read' })
  secrets.add(result.code ?? '').add(result.verifier)
  tokens = (await (await exchangeCode(server, conf, result)).json()) as TokenSet
  refreshed = (await (await clientPost(server, '/token', conf, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })).json()) as TokenSet
  const reuse = await clientPost(server, '/token', conf, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })
  expect(reuse.status).toBe(400)

  // A second grant (session and consent remembered), whose refresh token is then revoked (RFC 7009).
  const second = await authorize(server, browser, { client: conf, scope: 'openid offline_access' })
  secrets.add(second.code ?? '').add(second.verifier)
  const secondTokens = (await (await exchangeCode(server, conf, second)).json()) as TokenSet
  expect((await clientPost(server, '/revoke', conf, { token: secondTokens.refresh_token ?? '' })).status).toBe(200)

  // Client credentials, and revocation of that access token with the client's Basic credentials.
  const machine = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(m2m), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=notes%3Aread',
  })
  machineToken = ((await machine.json()) as TokenSet).access_token
  expect((await clientPost(server, '/revoke', m2m, { token: machineToken })).status).toBe(200)

  for (const set of [tokens, refreshed, secondTokens]) for (const value of [set.access_token, set.refresh_token, set.id_token]) if (value) secrets.add(value)
  secrets.add(machineToken)
  for (const cookie of ['tessera-session', 'tessera-browser']) secrets.add(browser.jar.get(cookie) ?? '')
  secrets.delete('')

  await server.standalone.server.audit.flush()
  records = await server.store.audit.list({ limit: 1000 })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('audit trail over HTTP', () => {
  it('records failed logins with the username tried, the reason and the client address', () => {
    const failed = ofType('login.failed')
    expect(failed.map((r) => [r.details.username, r.details.reason, r.subject])).toEqual([
      ['nobody-here', 'unknown_user', null],
      ['alice', 'wrong_password', server.users.alice.id],
    ])
    for (const record of failed) {
      expect(record.client_id).toBe('conf')
      expect(record.details.client_address).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/)
    }
  })

  it('records logins and consent', () => {
    expect(ofType('login.succeeded')).toMatchObject([{ subject: server.users.alice.id, client_id: 'conf', details: { username: 'alice' } }])
    expect(ofType('consent.granted')).toMatchObject([{ subject: server.users.alice.id, client_id: 'conf', details: { scopes: ['openid', 'profile', 'offline_access', 'notes:read'] } }])
  })

  it('records every issuance by grant type with the token ids, and revocations', () => {
    const issued = ofType('token.issued')
    expect(issued.map((r) => r.details.grant_type).sort()).toEqual(['authorization_code', 'authorization_code', 'client_credentials', 'refresh_token'])
    const jtis = issued.map((r) => r.details.jti)
    for (const accessToken of [tokens.access_token, refreshed.access_token, machineToken]) {
      const { jti } = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as { jti: string }
      expect(jtis).toContain(jti)
    }
    expect(issued.find((r) => r.details.grant_type === 'client_credentials')).toMatchObject({ subject: 'm2m', client_id: 'm2m', details: { refresh_token_issued: false } })
    expect(ofType('token.revoked').map((r) => [r.client_id, r.details.token_type])).toEqual([['m2m', 'access_token'], ['conf', 'refresh_token']])
  })

  it('records refresh-token reuse with the revoked family', () => {
    const [reuse] = ofType('refresh_token.reused')
    const first = ofType('token.issued').find((r) => r.details.grant_type === 'refresh_token')
    expect(reuse).toMatchObject({ subject: server.users.alice.id, client_id: 'conf', details: { grant_id: first?.details.grant_id } })
  })

  it('records the signing keys created on first start', () => {
    expect(ofType('keys.created')).toMatchObject([{ details: { algorithms: ['RS256', 'ES256'], actor: 'server' } }])
  })

  it('writes every event to the log too, marked as audit', () => {
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.audit === true)
    // The fixtures' clients and users were created through the admin functions without a logger: stored only.
    const fromServer = records.filter((record) => record.details.actor !== 'admin')
    expect(fromServer.length).toBeGreaterThan(10)
    expect(logged.map((line) => line.audit_id).sort()).toEqual(fromServer.map((record) => record.id).sort())
    const reuse = logged.find((line) => line.event === 'refresh_token.reused')
    expect(reuse).toMatchObject({ level: 40, client_id: 'conf', subject: server.users.alice.id })
  })

  it('ST-04 keeps every password, secret, code, verifier, token and cookie out of the logs, the audit records and the database file', () => {
    expect(secrets.size).toBeGreaterThan(20)
    // The database at rest: the file and its write-ahead log, read as bytes (only hashes may be there).
    const database = [filename, `${filename}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file).toString('latin1'))
    expect(database.join('')).toContain('alice')
    const haystacks = [...lines, ...records.map((record) => JSON.stringify(record)), ...database]
    for (const secret of secrets) {
      const leaks = haystacks.filter((text) => text.includes(secret))
      expect(leaks, `a secret starting ${secret.slice(0, 6)} leaked`).toEqual([])
    }
    // The grep of the full run (scripts/check-logs.mjs) finds nothing in these lines either, key ids included.
    expect(lines.flatMap((line) => findSecrets(line.trim()))).toEqual([])
  })
})
