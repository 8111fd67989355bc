import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser } from '../helpers/http-client.js'
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

function cleanEnv(db: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_DB: db, TESSERA_PORT: String(tesseraPort), APP_PORT: String(appPort) }
  // The test launcher's PostgreSQL and Redis must not be picked up: `npm start` is the SQLite quickstart.
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'TESSERA_SECRET', 'TESSERA_ISSUER', 'APP_URL', 'OAUTH_PROVIDER']) delete env[name]
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
}, START_TIMEOUT)

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
