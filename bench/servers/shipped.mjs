// `tessera-oidc serve` as a user runs it (issue 20): the built CLI (`node dist/cli/main.js serve`) on its
// default SQLite store in a fresh folder (or `--database-url`/`--redis-url`), audit trail on, pino logs at
// info into the row's log file, a client created with `tessera-oidc client create`. This process only
// launches it and prepares single-use values between runs (through the same store, as the CLI opens it);
// the runner measures the `serve` process, whose pid it reports.
// Configuration as JSON in argv[2]: { dir, databaseUrl, redisUrl, accessTokenFormat, nodeArgs: [] }.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createUser } from '../../dist/server/admin.js'
import { openStore } from '../../dist/cli/common.js'
import { randomToken, sha256 } from '../../dist/crypto/random.js'
import { API, API_SCOPES, CODE_CHALLENGE, NONCE, PASSWORD, REDIRECT_URI, SERVER_SECRET, USER_GRANT_SCOPES, USER_PROFILE, USERNAME } from '../lib/fixtures.mjs'
import { postForm, ready, serveControl } from './ipc.mjs'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const options = JSON.parse(process.argv[2] ?? '{}')
const now = () => Math.floor(Date.now() / 1000)

mkdirSync(options.dir, { recursive: true })
const storeFlags = options.databaseUrl
  ? ['--database-url', options.databaseUrl, ...(options.redisUrl ? ['--redis-url', options.redisUrl] : [])]
  : ['--db', join(options.dir, 'tessera.db')]
// As a deployment would: the one secret every instance shares (required with --database-url), the API in a config file.
const env = { ...process.env, TESSERA_SECRET: SERVER_SECRET, TESSERA_LOG_LEVEL: 'info' }
for (const name of ['DATABASE_URL', 'REDIS_URL', 'TESSERA_DB', 'TESSERA_CONFIG']) delete env[name]
const configFile = join(options.dir, 'tessera.json')
writeFileSync(configFile, JSON.stringify({ resources: [{ identifier: API, scopes: API_SCOPES }], ...(options.accessTokenFormat ? { tokens: { format: options.accessTokenFormat } } : {}) }))

const cli = (...args) => execFileSync(process.execPath, [CLI, ...args, ...storeFlags], { env, encoding: 'utf8' })
const created = JSON.parse(cli('client', 'create', '--name', 'Bench client', '--redirect-uri', REDIRECT_URI, '--grant', 'authorization_code', '--grant', 'refresh_token',
  '--grant', 'client_credentials', '--scope', 'openid profile email offline_access notes:read notes:write', '--auth-method', 'client_secret_basic', '--json'))
const clientId = created.client_id
const authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(created.client_secret)}`).toString('base64')}`

// The launcher's own handle on the store, for the prepared codes and refresh tokens (and the user they belong to).
const store = await openStore({ db: options.databaseUrl ? undefined : join(options.dir, 'tessera.db'), 'database-url': options.databaseUrl, 'redis-url': options.redisUrl })
// A database shared by several rows (PostgreSQL) already has the bench user of an earlier one.
const username = `${USERNAME}${randomBytes(3).toString('hex')}`
const user = await createUser(store, {
  username, password: PASSWORD, name: USER_PROFILE.name, givenName: USER_PROFILE.given_name,
  familyName: USER_PROFILE.family_name, email: USER_PROFILE.email, emailVerified: USER_PROFILE.email_verified,
}, now())

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address()
    probe.close(() => resolve(free))
  })
})
const serve = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, 'serve', '--port', String(port), '--config', configFile, ...storeFlags], {
  env: { ...env, NODE_ENV: 'production' },
  // Logs go where this launcher's output goes: the row's log file.
  stdio: ['ignore', 'inherit', 'inherit'],
})
serve.on('exit', (code, signal) => {
  process.stderr.write(`tessera-oidc serve exited (${code ?? signal})\n`)
  void store.close().finally(() => process.exit(code ?? 1))
})
process.on('SIGTERM', () => serve.kill('SIGTERM'))
const issuer = `http://localhost:${port}`
const url = `http://127.0.0.1:${port}`
for (let attempt = 0; ; attempt++) {
  try {
    if ((await fetch(`${url}/readyz`)).ok) break
  } catch {
    // Not listening yet.
  }
  if (attempt > 600) throw new Error('tessera-oidc serve did not become ready within 60 s')
  await new Promise((resolve) => setTimeout(resolve, 100))
}

serveControl({
  async codes({ count }) {
    const values = []
    const issuedAt = now()
    for (let i = 0; i < count; i++) {
      const code = randomToken(32)
      await store.codes.save({
        code_hash: sha256(code), client_id: clientId, user_id: user.id, redirect_uri: REDIRECT_URI, scopes: USER_GRANT_SCOPES,
        resources: [API], nonce: NONCE, code_challenge: CODE_CHALLENGE, code_challenge_method: 'S256', auth_time: issuedAt,
        session_id: randomToken(16), grant_id: randomToken(16), expires_at: issuedAt + 60, consumed_at: null,
      })
      values.push(code)
    }
    return values
  },
  async refreshTokens({ count }) {
    const values = []
    const issuedAt = now()
    for (let i = 0; i < count; i++) {
      const token = randomToken(32)
      await store.refreshTokens.save({
        token_hash: sha256(token), grant_id: randomToken(16), client_id: clientId, user_id: user.id, scopes: USER_GRANT_SCOPES,
        resources: [API], auth_time: issuedAt, session_id: randomToken(16), created_at: issuedAt, expires_at: issuedAt + 30 * 24 * 3600, consumed_at: null,
      })
      values.push(token)
    }
    return values
  },
  async accessTokens({ count }) {
    const values = []
    for (let i = 0; i < count; i++) {
      values.push((await postForm(`${url}/token`, { grant_type: 'client_credentials', scope: 'notes:read', resource: API }, authorization)).access_token)
    }
    return values
  },
  async purge() {
    await store.purgeExpired(now())
  },
})
ready(port, { issuer, servedBy: serve.pid, authorization, clientId, username, dir: options.dir })
