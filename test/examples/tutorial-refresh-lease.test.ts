/**
 * Issue 21's "done when" for the relying party: two tutorial-app processes (`node dist/examples/tutorial-app/
 * main.js`) share one client store — SQLite, and PostgreSQL and Redis under `node scripts/services.mjs` — in
 * front of `tessera-oidc serve`, which rotates refresh tokens with reuse detection (its default). Requests
 * with an expired access token reach both at once for one session: the provider sees exactly one
 * refresh_token grant (its audit trail), every request is served and the session lives on. Then the instance
 * holding the session's refresh lease is killed (SIGKILL) while the provider "takes its time" (a proxy in
 * front of Tessera holds that token request forever), and the other instance takes over once the lease expires.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type ServerResponse } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TESSERA_BIN } from '../helpers/cli.js'
import { Browser } from '../helpers/http-client.js'
import { SECRET } from '../helpers/tessera.js'
import { createTestDatabase, eventually, serviceUrl } from '../storage/services.js'
import { APP_SECRET, loginAtTessera } from './tutorial.js'

/** The suites run in parallel on two cores: starting processes and the lease's takeover take a while. */
const TIMEOUT = 120_000
/**
 * Access tokens live 38 s and the app refreshes 30 s ahead of expiry (its default): 8 s after a login the
 * token counts as expired, and a refreshed one stays fresh for 8 s, which the concurrent requests need.
 */
const ACCESS_TOKEN_LIFETIME = 38
const STALE_AFTER_MS = 9_000
const DEMO_PASSWORD = 'demo-password-for-the-lease-test'

const dir = mkdtempSync(join(tmpdir(), 'tessera-refresh-lease-'))
const db = join(dir, 'tessera.db')
const serveEnv: NodeJS.ProcessEnv = { ...process.env, TESSERA_SECRET: SECRET, TESSERA_LOG_LEVEL: 'error', TESSERA_DEMO_PASSWORD: DEMO_PASSWORD }
for (const name of ['DATABASE_URL', 'REDIS_URL', 'TESSERA_DB', 'TESSERA_CONFIG', 'TESSERA_ISSUER']) delete serveEnv[name]

async function freePort(): Promise<number> {
  const probe = createNetServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

interface Child {
  child: ChildProcess
  exited: Promise<void>
  output(): string
}

/** Spawns `args` with node and resolves once its output matches `ready`. */
async function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Child> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${output}`)), 60_000)
    const check = (): void => {
      if (!ready.test(output)) return
      clearTimeout(timer)
      resolve()
    }
    child.stdout?.on('data', check)
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`${args.join(' ')} exited early: ${output}`))
    })
  })
  return { child, exited, output: () => output }
}

async function stopProcess(running: Child | undefined): Promise<void> {
  if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return
  running.child.kill('SIGTERM')
  await running.exited
}

/**
 * Tessera's address as the apps know it (the issuer): forwards everything to `tessera-oidc serve`, except
 * that after `stallNextRefresh()` it holds the next refresh_token request and never answers it, as a
 * provider that stalls while the instance that sent it dies.
 */
interface ProviderProxy {
  url: string
  stallNextRefresh(): Promise<void>
  close(): Promise<void>
}

async function startProviderProxy(port: number, targetPort: number): Promise<ProviderProxy> {
  let stalled: (() => void) | undefined
  const held: ServerResponse[] = []
  const http = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const isRefresh = req.method === 'POST' && new URL(req.url ?? '/', 'http://proxy').pathname.endsWith('/token')
        && new URLSearchParams(body.toString('utf8')).get('grant_type') === 'refresh_token'
      if (isRefresh && stalled) {
        const notify = stalled
        stalled = undefined
        held.push(res)
        notify()
        return
      }
      const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      })
      upstream.on('error', () => res.destroy())
      upstream.end(body)
    })
  })
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}`,
    stallNextRefresh: () => new Promise<void>((resolve) => (stalled = resolve)),
    close: () => new Promise<void>((resolve) => {
      for (const res of held) res.destroy()
      http.closeAllConnections()
      http.close(() => resolve())
    }),
  }
}

function tessera(...args: string[]): unknown {
  const result = spawnSync(process.execPath, [TESSERA_BIN, ...args, '--db', db, '--json'], { env: serveEnv, encoding: 'utf8', timeout: 30_000 })
  if (result.status !== 0) throw new Error(`tessera-oidc ${args.join(' ')}: ${result.stderr}`)
  return JSON.parse(result.stdout) as unknown
}

/** The provider's audit trail: refresh_token grants issued to `clientId`, and refresh-token reuses detected. */
function refreshAudit(clientId: string): { grants: number; reused: number } {
  const records = tessera('audit', '--type', 'token.issued', '--type', 'refresh_token.reused', '--client', clientId, '--limit', '1000') as { type: string; details: Record<string, unknown> }[]
  return {
    grants: records.filter((record) => record.type === 'token.issued' && record.details.grant_type === 'refresh_token').length,
    reused: records.filter((record) => record.type === 'refresh_token.reused').length,
  }
}

let serve: Child | undefined
let proxy: ProviderProxy

beforeAll(async () => {
  // What `prestart` adds to the library build: the tutorial app compiled into dist/examples.
  await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'examples/tutorial-app/tsconfig.build.json'])
  const [servePort, proxyPort] = [await freePort(), await freePort()]
  const config = join(dir, 'tessera.json')
  writeFileSync(config, JSON.stringify({ lifetimes: { accessToken: ACCESS_TOKEN_LIFETIME } }))
  proxy = await startProviderProxy(proxyPort, servePort)
  serve = await startProcess([TESSERA_BIN, 'serve', '--demo', '--port', String(servePort), '--db', db, '--issuer', proxy.url, '--config', config], serveEnv, /authorization server: http/)
}, TIMEOUT)

afterAll(async () => {
  await stopProcess(serve)
  await proxy?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Instance {
  origin: string
  app: Child
}

/** Two tutorial-app processes with one client registration, one secret and one shared store. */
async function startInstances(storeEnv: NodeJS.ProcessEnv): Promise<{ clientId: string; instances: [Instance, Instance] }> {
  const ports = [await freePort(), await freePort()]
  const origins = ports.map((port) => `http://127.0.0.1:${port}`)
  const created = tessera('client', 'create', '--name', 'Tutorial app',
    ...origins.flatMap((origin) => ['--redirect-uri', `${origin}/authorize`, '--post-logout-redirect-uri', `${origin}/`]),
    '--grant', 'authorization_code', '--grant', 'refresh_token', '--scope', 'openid profile email offline_access notes:read') as { client_id: string; client_secret: string }
  const instances = await Promise.all(ports.map(async (port, index) => {
    const env: NodeJS.ProcessEnv = {
      ...serveEnv, ...storeEnv, APP_PORT: String(port), APP_URL: origins[index], APP_SECRET,
      TESSERA_ISSUER: proxy.url, TESSERA_CLIENT_ID: created.client_id, TESSERA_CLIENT_SECRET: created.client_secret,
    }
    const app = await startProcess([join('dist', 'examples', 'tutorial-app', 'main.js')], env, /Tutorial app: http/)
    return { origin: origins[index] ?? '', app }
  }))
  return { clientId: created.client_id, instances: instances as [Instance, Instance] }
}

/** Signs the demo user in through instance A; instance B sees the session (the cookie is the host's, whatever the port). */
async function signIn(a: Instance, b: Instance): Promise<Browser> {
  const browser = new Browser()
  const callback = await loginAtTessera(browser, a.origin, { username: 'demo', password: DEMO_PASSWORD })
  expect((await browser.get(callback.href)).status).toBe(303)
  expect((await browser.get(`${b.origin}/profile`)).status).toBe(200)
  return browser
}

function sharedStoreRefresh(name: string, storeEnv: () => Promise<NodeJS.ProcessEnv>, cleanup: () => Promise<void> = async () => undefined): void {
  describe(`the tutorial app as two processes on one ${name} client store`, () => {
    let clientId: string
    let instances: [Instance, Instance]
    let browsers: [Browser, Browser]
    beforeAll(async () => {
      ;({ clientId, instances } = await startInstances(await storeEnv()))
      const [a, b] = instances
      // Two sessions, both signed in before the wait: one for each case below.
      browsers = [await signIn(a, b), await signIn(a, b)]
      await new Promise((resolve) => setTimeout(resolve, STALE_AFTER_MS))
    }, TIMEOUT)
    afterAll(async () => {
      await Promise.all((instances ?? []).map((instance) => stopProcess(instance.app)))
      await cleanup()
    })

    it('refreshes an expired access token once for concurrent requests at both instances; all are served, the session lives on', async () => {
      const [a, b] = instances
      const [browser] = browsers
      const before = refreshAudit(clientId)
      expect(before.grants).toBe(0)
      const answers = await Promise.all(Array.from({ length: 12 }, (_, n) => browser.get(`${(n % 2 === 0 ? a : b).origin}/notes`)))
      // Both instances again, while the refreshed token is fresh (before the audit's slower CLI calls).
      for (const instance of instances) answers.push(await browser.get(`${instance.origin}/notes`))
      expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 14 }, () => 200))
      expect(await eventually(async () => {
        const audit = refreshAudit(clientId)
        expect(audit.grants).toBeGreaterThan(0)
        return audit
      })).toEqual({ grants: 1, reused: 0 })
    }, TIMEOUT)

    it('lets instance B refresh once the lease of instance A, killed while refreshing, has expired', async () => {
      const [a, b] = instances
      const [, browser] = browsers
      const before = refreshAudit(clientId)
      const stalled = proxy.stallNextRefresh()
      // A takes the session's lease and sends its refresh_token grant, which the proxy holds: A dies there.
      const atA = browser.get(`${a.origin}/notes`).catch(() => undefined)
      await stalled
      a.app.child.kill('SIGKILL')
      await a.app.exited
      await atA
      // B finds the lease taken, waits for it to expire (A never releases it), and refreshes in A's place.
      const atB = await browser.get(`${b.origin}/notes`)
      expect(atB.status).toBe(200)
      expect((await browser.get(`${b.origin}/profile`)).status).toBe(200)
      expect(await eventually(async () => {
        const audit = refreshAudit(clientId)
        expect(audit.grants).toBeGreaterThan(before.grants)
        return audit
      })).toEqual({ grants: before.grants + 1, reused: 0 })
    }, TIMEOUT)
  })
}

sharedStoreRefresh('SQLite', async () => ({ APP_DB: join(dir, 'app.db') }))

const adminUrl = serviceUrl('DATABASE_URL')
const redisUrl = serviceUrl('REDIS_URL')
if (adminUrl) {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined
  sharedStoreRefresh('PostgreSQL', async () => {
    database = await createTestDatabase(adminUrl)
    return { APP_DATABASE_URL: database.url }
  }, async () => {
    await database?.drop()
  })
}
if (redisUrl) {
  sharedStoreRefresh('Redis', async () => ({ APP_REDIS_URL: redisUrl, APP_REDIS_PREFIX: `tessera-test:lease:${randomBytes(6).toString('hex')}:` }))
}
