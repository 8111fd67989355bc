#!/usr/bin/env node
// The one test command (`npm test`): typecheck, lint, build, then every vitest suite. Services the suites
// need are provided here, never assumed: Debian's Chromium for the browser tests, and throwaway PostgreSQL
// and Redis servers on loopback ports (scripts/services.mjs), installed with apt when missing (as root);
// otherwise the run fails with the fixing command.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { startServices } from './services.mjs'

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options })
  return result.status ?? 1
}

function step(name, command, args) {
  process.stdout.write(`\n== ${name}\n`)
  const status = run(command, args)
  if (status !== 0) {
    process.stdout.write(`\n${name} failed (exit ${status})\n`)
    process.exit(status)
  }
}

function ensureChromium() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (existsSync(path)) return
  if (process.getuid?.() !== 0) {
    process.stderr.write(`Chromium is missing at ${path}. Install it with: sudo apt-get install -y chromium\n`)
    process.exit(1)
  }
  process.stdout.write('\n== installing Debian chromium for the browser tests\n')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  if (run('apt-get', ['update', '-qq'], { env }) !== 0 || run('apt-get', ['install', '-y', '-qq', 'chromium'], { env }) !== 0 || !existsSync(path)) {
    process.stderr.write('Could not install chromium with apt-get; run: apt-get install -y chromium\n')
    process.exit(1)
  }
}

const only = process.argv.slice(2)
ensureChromium()
step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'])
step('lint', 'npx', ['eslint', '.'])
// The CLI suites run the built `tessera` command, as users do.
step('build', 'npx', ['tsc', '-p', 'tsconfig.build.json'])
mkdirSync('.tmp', { recursive: true })
process.stdout.write('\n== services (PostgreSQL, Redis)\n')
let services
try {
  services = await startServices()
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}
process.stdout.write('\n== tests\n')
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.tmp/vitest.json', ...only], {
  env: { ...process.env, ...services.env },
})
await services.stop()
try {
  const report = JSON.parse(readFileSync('.tmp/vitest.json', 'utf8'))
  const skipped = report.numPendingTests + report.numTodoTests
  process.stdout.write(`\ntests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`)
  if (report.numTotalTests === 0) process.exit(1)
} catch {
  process.stdout.write('\ntests: no report was written\n')
  process.exit(status === 0 ? 1 : status)
}
process.exit(status)
