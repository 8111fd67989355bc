import { spawn, type ChildProcess } from 'node:child_process'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { deviceAuthorization, DEVICE_CODE_GRANT_TYPE } from '../../src/server/device/index.js'
import { launchChromium } from '../helpers/chromium.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'

/**
 * The device flow end to end (issue 16, "Done when"): examples/device-cli runs as a child process against
 * the standalone server with its demo notes API, prints the verification URI and the user code; a real
 * Chromium signs in at the verification page, types the code and approves; the CLI, polling meanwhile,
 * gets its token and reads the notes.
 */

const TEST_TIMEOUT = 60_000

let server: TestServer
let chromium: Browser
let cli: ChildProcess | undefined

beforeAll(async () => {
  // A 1-second interval keeps the CLI's polling short; its rules are the same at 5.
  server = await startTestServer({ store: 'memory', capabilities: [deviceAuthorization({ intervalSeconds: 1 })] })
  await createClient(server.store, {
    name: 'Device CLI (example)', clientId: 'device-cli', authMethod: 'none',
    grantTypes: [DEVICE_CODE_GRANT_TYPE, 'refresh_token'], scopes: ['offline_access', 'notes:read', 'notes:write'],
  }, Math.floor(Date.now() / 1000), { registry: server.standalone.server.registry })
  const now = Math.floor(Date.now() / 1000)
  await server.notes.create({ id: 'n1', owner: server.users.alice.id, title: 'Shopping list', body: 'Tea', created_at: now, updated_at: now })
  chromium = await launchChromium()
}, 60_000)

afterAll(async () => {
  if (cli?.exitCode === null) cli.kill('SIGTERM')
  await chromium?.close()
  await server?.close()
}, 30_000)

/** Runs the example; resolves its output so far whenever `pattern` first matches, and its exit code at the end. */
function runCli(): { waitFor(pattern: RegExp): Promise<RegExpExecArray>; exited: Promise<number | null>; output(): string } {
  const child = spawn(process.execPath, ['examples/device-cli/main.mjs'], {
    env: { ...process.env, ISSUER: server.url, CLIENT_ID: 'device-cli', SCOPE: 'notes:read' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  cli = child
  let output = ''
  const waiters: { pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = []
  const feed = (chunk: Buffer): void => {
    output += chunk.toString('utf8')
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(output)
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(match)
      }
    }
  }
  child.stdout.on('data', feed)
  child.stderr.on('data', feed)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    waitFor: (pattern) => new Promise((resolve, reject) => {
      const match = pattern.exec(output)
      if (match) return resolve(match)
      waiters.push({ pattern, resolve })
      void exited.then(() => reject(new Error(`the CLI exited before printing ${pattern}: ${output}`)))
    }),
    exited,
    output: () => output,
  }
}

/** axe-core's WCAG A/AA rules on the page as it is (the context bypasses CSP only to inject axe). */
async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' })
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(options: unknown): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe
    return axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })
  })
  return result.violations.map((violation) => `${violation.id} (${violation.nodes.length})`)
}

async function approveInChromium(page: Page, verificationUri: string, userCode: string): Promise<void> {
  await page.goto(verificationUri)
  // Not signed in: the verification page goes through the server's one login.
  await page.getByLabel('Username').fill('alice')
  await page.getByLabel('Password').fill('alice-password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL((url) => url.pathname === '/device')
  expect(await accessibilityViolations(page)).toEqual([])
  await page.getByLabel('Code').fill(userCode.toLowerCase())
  await page.getByRole('button', { name: 'Continue' }).click()
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Device CLI (example)')
  await expect(page.locator('#device-user-code').textContent()).resolves.toBe(userCode)
  await expect(page.locator('#phishing-warning').textContent()).resolves.toContain('a device you own')
  expect(await accessibilityViolations(page)).toEqual([])
  await page.getByRole('button', { name: 'Approve' }).click()
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Device connected')
}

describe('device flow in Chromium with the example CLI', () => {
  it('the CLI prints a code, the user approves it at /device, and the CLI calls the demo API with its token', async () => {
    const run = runCli()
    const [, verificationUri = '', userCode = ''] = await run.waitFor(/open (\S+) and enter the code ([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})/)
    expect(verificationUri).toBe(`${server.url}/device`)
    const context = await chromium.newContext({ bypassCSP: true })
    context.setDefaultTimeout(15_000)
    try {
      await approveInChromium(await context.newPage(), verificationUri, userCode)
    } finally {
      await context.close()
    }
    expect(await run.exited, run.output()).toBe(0)
    expect(run.output()).toContain(`GET ${server.url}/api/notes → 200`)
    expect(run.output()).toContain('Shopping list')
  }, TEST_TIMEOUT)
})
