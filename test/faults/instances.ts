/**
 * Real `tessera-oidc serve` processes (the built dist/, as operators run it) on a shared PostgreSQL + Redis,
 * and the browser and client steps the fault and multi-instance suites drive through them. Every wait
 * is bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createClient, createUser } from '../../src/server/admin.js'
import { openPostgresStore } from '../../src/storage/postgres.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { newPkce } from '../helpers/pkce.js'

const BIN = join(process.cwd(), 'dist/cli/main.js')
export const SECRET = 'fault-test-secret-fault-test-secret-0123456789'
const START_TIMEOUT_MS = 30_000

export const REDIRECT_URI = 'http://127.0.0.1:5000/cb'
export const USER = { username: 'alice', password: 'alice-password' }

export interface Instance {
  /** Where this process listens (its own origin, not necessarily the issuer). */
  readonly url: string
  readonly port: number
  readonly child: ChildProcess
  /** Everything the process printed so far. */
  output(): string
  /** SIGKILL: no shutdown hook runs, in-flight requests die with the process. */
  kill(): Promise<void>
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>
}

export interface InstanceOptions {
  databaseUrl: string
  redisUrl: string
  /** The shared issuer; default this instance's own URL. */
  issuer?: string
  /** Default: a free port. */
  port?: number
  args?: string[]
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = address && typeof address === 'object' ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Starts `tessera-oidc serve` and resolves once its `/readyz` answers 200. */
export async function startInstance(options: InstanceOptions): Promise<Instance> {
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, [
    BIN, 'serve', '--demo', '--port', String(port), '--host', '127.0.0.1', '--issuer', options.issuer ?? url,
    '--database-url', options.databaseUrl, '--redis-url', options.redisUrl, '--no-seed', ...(options.args ?? []),
  ], { env: { ...process.env, TESSERA_SECRET: SECRET, TESSERA_LOG_LEVEL: 'warn', DATABASE_URL: '', REDIS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const alive = () => child.exitCode === null && child.signalCode === null
  const instance: Instance = {
    url,
    port,
    child,
    output: () => output,
    async kill() {
      if (alive()) child.kill('SIGKILL')
      await exited
    },
    async stop() {
      if (!alive()) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (!alive()) throw new Error(`tessera-oidc serve exited (${child.exitCode ?? child.signalCode}):\n${output}`)
    const ready = await fetch(`${url}/readyz`).then((response) => response.status === 200, () => false)
    if (ready) return instance
    if (Date.now() > deadline) {
      await instance.kill()
      throw new Error(`tessera-oidc serve was not ready within ${START_TIMEOUT_MS / 1000}s:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Runs the built CLI against the database (e.g. `keys rotate`); throws with its output on failure. */
export function tesseraCommand(databaseUrl: string, redisUrl: string, ...args: string[]): string {
  const result = spawnSync(process.execPath, [BIN, ...args, '--database-url', databaseUrl, '--redis-url', redisUrl], {
    env: { ...process.env, TESSERA_SECRET: SECRET }, encoding: 'utf8', timeout: 30_000,
  })
  if (result.status !== 0) throw new Error(`tessera ${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`)
  return result.stdout
}

export interface FaultClient {
  id: string
  secret: string
}

/** The user `alice` and a confidential first-party client (no consent page) with code + refresh grants. */
export async function seedDatabase(databaseUrl: string, clientId = 'fault-app', skipConsent = true): Promise<FaultClient> {
  const store = await openPostgresStore({ connectionString: databaseUrl })
  try {
    const now = Math.floor(Date.now() / 1000)
    if (!(await store.users.getByUsername(USER.username))) await createUser(store, { ...USER, name: 'Alice' }, now)
    const { clientSecret } = await createClient(store, {
      name: 'Fault test app', clientId, redirectUris: [REDIRECT_URI], skipConsent,
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['openid', 'profile', 'offline_access', 'notes:read', 'notes:write'],
    }, now)
    return { id: clientId, secret: clientSecret ?? '' }
  } finally {
    await store.close()
  }
}

/** `url` sent to another origin: how a round-robin client or a load balancer picks the instance. */
export function via(base: string, url: string): string {
  const target = new URL(url)
  const origin = new URL(base)
  target.protocol = origin.protocol
  target.host = origin.host
  return target.href
}

export interface AuthorizedCode {
  code: string
  verifier: string
  /** The origin that served each front-channel request, in order. */
  served: string[]
}

/**
 * The browser's part of the code flow: authorize, then the login (and consent) forms, each request sent
 * to `pick()` (a fixed instance, or the next one in turn). Steps the browser's session already satisfies
 * are skipped, as the server skips them.
 */
export async function authorizeCode(pick: () => string, issuer: string, client: FaultClient, browser: Browser, scope = 'openid offline_access notes:read'): Promise<AuthorizedCode> {
  const { verifier, challenge } = newPkce()
  const query = new URLSearchParams({
    response_type: 'code', client_id: client.id, redirect_uri: REDIRECT_URI, scope, state: 'state-1',
    code_challenge: challenge, code_challenge_method: 'S256',
  })
  const served: string[] = []
  const send = (url: string, form?: Record<string, string>) => {
    const base = pick()
    served.push(base)
    return form ? browser.post(via(base, url), form) : browser.get(via(base, url))
  }
  let response = await send(`${issuer}/authorize?${query.toString()}`)
  for (let step = 0; step < 6; step++) {
    if (response.status !== 303) throw new Error(`unexpected ${response.status}: ${await response.text()}`)
    const location = new URL(response.headers.get('location') ?? '')
    if (!location.pathname.startsWith('/interaction/')) {
      const code = location.searchParams.get('code')
      if (!code) throw new Error(`no code in ${location.href}`)
      return { code, verifier, served }
    }
    const page = await send(location.href)
    const form = parseForm(await page.text())
    response = await send(form.action, form.action.endsWith('/login') ? { ...form.fields, ...USER } : { ...form.fields, decision: 'allow' })
  }
  throw new Error('authorization did not finish')
}

export interface TokenResponse {
  access_token: string
  refresh_token?: string
  id_token?: string
}

/** A request to `/token`, `/revoke` or `/introspect` with HTTP Basic client authentication. */
export function clientRequest(base: string, path: string, client: FaultClient, form: Record<string, string>): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  })
}

export function redeemCode(base: string, client: FaultClient, code: AuthorizedCode): Promise<Response> {
  return clientRequest(base, '/token', client, { grant_type: 'authorization_code', code: code.code, redirect_uri: REDIRECT_URI, code_verifier: code.verifier })
}

export function refresh(base: string, client: FaultClient, refreshToken: string): Promise<Response> {
  return clientRequest(base, '/token', client, { grant_type: 'refresh_token', refresh_token: refreshToken })
}

/** RFC 7662 `active` of a token, as one instance sees it. */
export async function isActive(base: string, client: FaultClient, token: string): Promise<boolean> {
  const response = await clientRequest(base, '/introspect', client, { token })
  if (response.status !== 200) throw new Error(`introspection answered ${response.status}: ${await response.text()}`)
  return ((await response.json()) as { active: boolean }).active
}

/** The `kid` in a JWT's protected header. */
export function kidOf(jwt: string): string | undefined {
  const [header = ''] = jwt.split('.')
  return (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid?: string }).kid
}

/** Retries `attempt` until it returns true, for at most `ms`. */
export async function waitFor(what: string, attempt: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await attempt().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** A Redis URL on database `index` of the same server, so suites sharing one Redis keep their keys apart. */
export function redisDatabase(url: string, index: number): string {
  const copy = new URL(url)
  copy.pathname = `/${index}`
  return copy.href
}

export { Browser }
