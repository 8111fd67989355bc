import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser, parseForm } from '../helpers/http-client.js'
import { loginAtTessera } from './tutorial.js'

/**
 * `npm start` as a user runs it (scripts/start.mjs after the prestart build): Tessera and the tutorial app,
 * registered with each other, on free ports and a fresh data folder; a login over HTTP; a clean stop.
 */

/** Generous: the suites run in parallel on two cores, and a first start generates keys and hashes a password. */
const START_TIMEOUT = 120_000

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

interface Started {
  child: ChildProcess
  output: () => string
  password: string
  exited: Promise<number | null>
}

let dataDir: string
let tesseraPort: number
let appPort: number
let upstreamPort: number

function cleanEnv(db: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_DB: db, TESSERA_PORT: String(tesseraPort), APP_PORT: String(appPort), UPSTREAM_PORT: String(upstreamPort) }
  // The test launcher's PostgreSQL and Redis must not be picked up: `npm start` is the SQLite quickstart.
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'TESSERA_SECRET', 'TESSERA_ISSUER', 'APP_URL', 'OAUTH_PROVIDER', 'TESSERA_CONFIG']) delete env[name]
  return env
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.pid ?? 0), signal)
  } catch {
    // already gone
  }
}

/** Runs the start script in its own process group, as a terminal runs `npm start` (Ctrl-C signals the group). */
async function start(db = join(dataDir, 'tessera.db')): Promise<Started> {
  const child = spawn(process.execPath, ['scripts/start.mjs'], { env: cleanEnv(db), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const password = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL')
      reject(new Error(`npm start did not get ready: ${output}`))
    }, START_TIMEOUT)
    const check = (): void => {
      const match = /password: (\S+)/.exec(output)
      if (output.includes('Ready.') && match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', check)
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`npm start exited early: ${output}`))
    })
  })
  return { child, output: () => output, password, exited }
}

async function refused(url: string): Promise<boolean> {
  return fetch(url).then(
    () => false,
    () => true,
  )
}

beforeAll(async () => {
  // What `prestart` adds to the library build: the tutorial app compiled into dist/examples.
  await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'examples/tutorial-app/tsconfig.build.json'])
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-start-'))
  tesseraPort = await freePort()
  appPort = await freePort()
  upstreamPort = await freePort()
}, START_TIMEOUT)

/**
 * "Continue with Upstream Tessera (demo)": the app's login through Tessera's page to the upstream Tessera
 * (its password form), back to Tessera's consent, and to the app. Two browsers' cookie jars, because the test
 * browser keeps cookies by name and both servers name theirs alike (a real browser keeps them per host).
 */
async function loginThroughUpstream(appUrl: string, password: string): Promise<Browser> {
  const browser = new Browser()
  const upstream = new Browser()
  let response = await browser.get(`${appUrl}/login`)
  response = await browser.get(new URL(response.headers.get('location') ?? '', appUrl).href)
  const interaction = response.headers.get('location') ?? ''
  const page = await (await browser.get(interaction)).text()
  const form = /<form method="post" action="([^"]*)">\s*((?:<input[^>]*>\s*)*)<button[^>]*>Continue with Upstream Tessera \(demo\)<\/button>/.exec(page)
  if (!form) throw new Error(`no "Continue with Upstream Tessera (demo)" on the login page: ${page.slice(0, 800)}`)
  const fields = Object.fromEntries([...(form[2] ?? '').matchAll(/name="([^"]*)" value="([^"]*)"/g)].map((match) => [match[1] ?? '', match[2] ?? '']))
  response = await browser.post(form[1] ?? '', fields)
  for (let step = 0; step < 10; step++) {
    const location = response.headers.get('location')
    if (location === null) throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`)
    const next = new URL(location, `http://127.0.0.1:${upstreamPort}`)
    if (next.origin === appUrl) {
      await browser.get(next.href)
      return browser
    }
    const atUpstream = next.port === String(upstreamPort)
    const agent = atUpstream ? upstream : browser
    if (!next.pathname.startsWith('/interaction/')) {
      response = await agent.get(next.href)
      continue
    }
    const shown = parseForm(await (await agent.get(next.href)).text())
    const answer: Record<string, string> = shown.action.endsWith('/login') ? { username: 'upstream-demo', password } : { decision: 'allow' }
    response = await agent.post(new URL(shown.action, next).href, { ...shown.fields, ...answer })
  }
  throw new Error('the login did not come back to the app')
}

afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('npm start (scripts/start.mjs)', () => {
  it(
    'runs Tessera and the tutorial app registered with each other, prints the login, and stops both on SIGTERM',
    async () => {
      const first = await start()
      try {
        const appUrl = `http://localhost:${appPort}`
        expect(first.output()).toContain(`Open ${appUrl} and log in as the demo user`)
        expect(first.output()).toContain('username: demo')
        expect(statSync(join(dataDir, 'demo-credentials.json')).mode & 0o777).toBe(0o600)

        const browser = new Browser()
        const callback = await loginAtTessera(browser, appUrl, { username: 'demo', password: first.password })
        expect(callback.href.startsWith(`${appUrl}/authorize?`)).toBe(true)
        expect((await browser.get(callback.href)).headers.get('location')).toBe('/profile')
        expect(await (await browser.get(`${appUrl}/profile`)).text()).toContain('<h1>Hello, Demo User</h1>')
        const notes = await browser.get(`${appUrl}/notes`)
        expect(notes.status).toBe(200)
        expect(await notes.text()).toContain('No notes yet.')

        // Federation offline: the upstream Tessera npm start runs beside it.
        const upstreamPassword = /username: upstream-demo\s+password: (\S+)/.exec(first.output())?.[1] ?? ''
        const federated = await loginThroughUpstream(appUrl, upstreamPassword)
        expect(await (await federated.get(`${appUrl}/profile`)).text()).toContain('<h1>Hello, Ursula Upstream</h1>')

        // examples/device-cli's client: public, device grant, registered by the start (RFC 8628).
        expect(first.output()).toContain('node examples/device-cli/main.mjs')
        const device = await fetch(`http://127.0.0.1:${tesseraPort}/device_authorization`, { method: 'POST', body: new URLSearchParams({ client_id: 'device-cli', scope: 'notes:read' }) })
        expect(device.status).toBe(200)
        expect(((await device.json()) as { verification_uri: string }).verification_uri).toBe(`http://localhost:${tesseraPort}/device`)
      } finally {
        first.child.kill('SIGTERM')
      }
      expect(await first.exited).toBe(0)
      expect(await refused(`http://127.0.0.1:${tesseraPort}/healthz`)).toBe(true)
      expect(await refused(`http://127.0.0.1:${appPort}/`)).toBe(true)

      // A second start reuses the data folder: same credentials, and they still work.
      const second = await start()
      try {
        expect(second.password).toBe(first.password)
        expect(second.output()).not.toContain('First start')
        const browser = new Browser()
        const callback = await loginAtTessera(browser, `http://localhost:${appPort}`, { username: 'demo', password: second.password })
        expect((await browser.get(callback.href)).headers.get('location')).toBe('/profile')
      } finally {
        // Ctrl-C: the terminal sends SIGINT to every process of the group, the children included.
        killGroup(second.child, 'SIGINT')
      }
      expect(await second.exited).toBe(0)
      expect(await refused(`http://127.0.0.1:${tesseraPort}/healthz`)).toBe(true)
      expect(await refused(`http://127.0.0.1:${appPort}/`)).toBe(true)
    },
    2 * START_TIMEOUT,
  )

  it(
    'takes over a database seeded by `tessera-oidc serve --demo`, whose demo secrets were shown once and are gone',
    async () => {
      const db = join(dataDir, 'legacy', 'tessera.db')
      const serve = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--demo', '--port', '0'], { env: cleanEnv(db), stdio: ['ignore', 'pipe', 'pipe'] })
      let printed = ''
      serve.stdout.setEncoding('utf8').on('data', (chunk: string) => (printed += chunk))
      const served = new Promise((resolve) => serve.once('exit', resolve))
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`tessera-oidc serve did not seed: ${printed}`)), START_TIMEOUT)
          serve.stdout.on('data', () => {
            if (!printed.includes('client_secret:')) return
            clearTimeout(timer)
            resolve()
          })
        })
      } finally {
        serve.kill('SIGTERM')
        await served
      }

      const started = await start(db)
      try {
        const appUrl = `http://localhost:${appPort}`
        const browser = new Browser()
        const callback = await loginAtTessera(browser, appUrl, { username: 'demo', password: started.password })
        expect((await browser.get(callback.href)).headers.get('location')).toBe('/profile')
        expect(await (await browser.get(`${appUrl}/profile`)).text()).toContain('<h1>Hello, Demo User</h1>')
      } finally {
        killGroup(started.child, 'SIGTERM')
      }
      expect(await started.exited).toBe(0)
    },
    2 * START_TIMEOUT,
  )
})
