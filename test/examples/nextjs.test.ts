/**
 * The Next.js example (examples/nextjs) as its users run it: copied to a temporary directory with this
 * package linked as `tessera-oidc` (the repository stays clean), type-checked with `tsc`, built with
 * `next build`, served by `next start` on a loopback port, and used in Chromium against a Tessera test
 * server: log in, see the user on the server-rendered page with the protected route handler's answer to the
 * session's token, and log out. Needs the library build (`npx tsc -p tsconfig.build.json`), as `npm test`
 * runs it first.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve, sep } from 'node:path'
import type { Browser as Chromium, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { launchChromium } from '../helpers/chromium.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'

const ROOT = process.cwd()
const EXAMPLE = join(ROOT, 'examples', 'nextjs')
/** What the example's package.json names, linked from this checkout's node_modules. */
const LINKED = ['next', 'react', 'react-dom', 'typescript', '@types/react', '@types/node']
const STEP_TIMEOUT = 15_000

let dir: string
let server: TestServer
let next: ChildProcess | undefined
let nextOutput = ''
let origin: string
let chromium: Chromium
const timings: Record<string, number> = {}

/** Runs a command in the example's copy; its output becomes the error when it fails. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: dir, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', fail)
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`))))
  })
}

async function timed<T>(name: string, step: () => Promise<T>): Promise<T> {
  const start = Date.now()
  try {
    return await step()
  } finally {
    timings[name] = (Date.now() - start) / 1000
  }
}

/** A free loopback port (the app's URL, its redirect URI and its client must be known before it starts). */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done))
  const address = probe.address()
  await new Promise((done) => probe.close(done))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** The example's copy with node_modules linking the installed packages and this checkout as `tessera-oidc`. */
function prepareCopy(): void {
  dir = mkdtempSync(join(tmpdir(), 'tessera-nextjs-'))
  cpSync(EXAMPLE, dir, { recursive: true, filter: (source) => !/[/\\](\.next|node_modules)$/.test(source) })
  const modules = join(dir, 'node_modules')
  for (const name of LINKED) {
    const target = realpathSync(join(ROOT, 'node_modules', name))
    mkdirSync(dirname(join(modules, name)), { recursive: true })
    symlinkSync(target, join(modules, name), 'dir')
  }
  symlinkSync(ROOT, join(modules, 'tessera-oidc'), 'dir')
  // Turbopack compiles nothing outside its root, and the links lead out of the copy: the root becomes the
  // directory holding both (in the copy only; the example itself needs none).
  const config = readFileSync(join(dir, 'next.config.ts'), 'utf8')
  const opening = 'const config: NextConfig = {\n'
  if (!config.includes(opening)) throw new Error('examples/nextjs/next.config.ts no longer declares `const config: NextConfig = {`')
  const root = commonAncestor([dir, realpathSync(ROOT), realpathSync(join(ROOT, 'node_modules', 'next'))])
  writeFileSync(join(dir, 'next.config.ts'), config.replace(opening, `${opening}  turbopack: { root: ${JSON.stringify(root)} },\n`))
}

function commonAncestor(paths: string[]): string {
  const parts = paths.map((path) => path.split(sep))
  const shared: string[] = []
  for (const [index, part] of (parts[0] ?? []).entries()) {
    if (!parts.every((other) => other[index] === part)) break
    shared.push(part)
  }
  return shared.join(sep) || sep
}

async function startNext(env: NodeJS.ProcessEnv, port: number): Promise<void> {
  const bin = join(dir, 'node_modules', 'next', 'dist', 'bin', 'next')
  next = spawn(process.execPath, [bin, 'start', '--port', String(port), '--hostname', '127.0.0.1'], {
    cwd: dir, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  })
  next.stdout?.on('data', (chunk: Buffer) => (nextOutput += chunk.toString()))
  next.stderr?.on('data', (chunk: Buffer) => (nextOutput += chunk.toString()))
  for (let attempt = 0; attempt < 300; attempt++) {
    if (next.exitCode !== null) throw new Error(`next start exited with ${next.exitCode}:\n${nextOutput}`)
    try {
      if ((await fetch(`${origin}/api/me`)).status === 401) return
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100))
  }
  throw new Error(`next start did not answer:\n${nextOutput}`)
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'adapters', 'next.js'))) throw new Error('Build the library first: npx tsc -p tsconfig.build.json')
  prepareCopy()
  const bin = resolve(dir, 'node_modules', 'next', 'dist', 'bin', 'next')
  await timed('next build', () => run(process.execPath, [bin, 'build']))
  // After the build, which writes next-env.d.ts (the types of Next.js's own modules).
  await timed('tsc', () => run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit']))

  server = await startTestServer({ store: 'memory' })
  const port = await freePort()
  origin = `http://127.0.0.1:${port}`
  const clientId = `nextjs-${randomBytes(4).toString('hex')}`
  const { clientSecret } = await createClient(server.store, {
    name: 'Next.js example', clientId,
    redirectUris: [`${origin}/auth/callback/tessera`],
    postLogoutRedirectUris: [`${origin}/`],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'email', 'offline_access', 'notes:read'],
  }, Math.floor(Date.now() / 1000))
  const env = { APP_URL: origin, APP_SECRET: randomBytes(32).toString('base64url'), TESSERA_ISSUER: server.url, TESSERA_CLIENT_ID: clientId, TESSERA_CLIENT_SECRET: clientSecret ?? '' }
  await timed('next start', () => startNext(env, port))
  chromium = await launchChromium()
}, 300_000)

afterAll(async () => {
  await chromium?.close()
  next?.kill()
  await server?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
  process.stdout.write(`Next.js example: ${Object.entries(timings).map(([step, seconds]) => `${step} ${seconds.toFixed(1)} s`).join(', ')}\n`)
}, 30_000)

async function signInAtTessera(page: Page): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${server.url}/interaction/`))
  await page.getByLabel('Username').fill('alice')
  await page.getByLabel('Password').fill('alice-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('button', { name: 'Allow' }).click()
}

describe('the Next.js example (next build, next start) in Chromium', () => {
  it('logs in at Tessera, shows the user and /api/me’s answer to the session’s token, and logs out', async () => {
    const context = await chromium.newContext()
    context.setDefaultTimeout(STEP_TIMEOUT)
    const page = await context.newPage()
    try {
      await page.goto(`${origin}/`)
      await page.getByRole('link', { name: 'Log in with Tessera' }).click()
      await signInAtTessera(page)
      await page.waitForURL(`${origin}/`)
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hello, Alice Liddell')
      expect(await page.locator('#sub').textContent()).toBe(server.users.alice.id)
      // The server component called the protected route handler with the session's access token.
      const me = JSON.parse((await page.locator('#api-me').textContent()) ?? '{}') as Record<string, unknown>
      expect(me).toEqual({ sub: server.users.alice.id, client_id: expect.stringMatching(/^nextjs-/), scope: expect.stringContaining('notes:read') })
      // The session lives in the app: its cookie is HttpOnly and holds no token.
      const cookies = await context.cookies(origin)
      expect(cookies.map((cookie) => [cookie.name, cookie.httpOnly])).toEqual([['tessera-rp-session', true]])

      await page.getByRole('button', { name: 'Log out' }).click()
      await page.waitForURL(`${origin}/?state=*`)
      await expect(page.getByRole('link', { name: 'Log in with Tessera' }).isVisible()).resolves.toBe(true)
    } finally {
      await context.close()
    }
  }, 60_000)

  it('/api/me refuses a request without a token or with a bad one, with the RFC 6750 challenge', async () => {
    const none = await fetch(`${origin}/api/me`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    const bad = await fetch(`${origin}/api/me`, { headers: { authorization: 'Bearer not-a-token' } })
    expect(bad.status).toBe(401)
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('refuses a callback from another browser with the error page and starts no session', async () => {
    const response = await fetch(`${origin}/auth/callback/tessera?code=x&state=y`, { redirect: 'manual' })
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('The sign-in was started in another browser or cookies are blocked.')
    expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith('tessera-rp-session='))).toBe(false)
  })
})
