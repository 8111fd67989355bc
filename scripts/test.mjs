#!/usr/bin/env node
// The one test command (`npm test`): typecheck, lint, build, then every vitest suite. Services the suites
// need are provided here, never assumed: Debian's Chromium for the browser tests, Debian's nginx for the
// multi-instance example, and throwaway PostgreSQL and Redis servers on loopback ports
// (scripts/services.mjs), installed with apt when missing (as root); otherwise the run fails with the
// fixing command.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { ensureNginx, startServices } from './services.mjs'
import { resetLogs } from './check-logs.mjs'

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
process.stdout.write('\n== services (PostgreSQL, Redis, nginx)\n')
let services
try {
  ensureNginx()
  services = await startServices()
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}
process.stdout.write('\n== tests\n')
resetLogs() // test servers log to .tmp/logs (test/helpers/log-file.ts); checked below
let status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.tmp/vitest.json', ...only], {
  env: { ...process.env, ...services.env },
})
// The same end-to-end, interop and security suites again with every test server on PostgreSQL + Redis
// (test/helpers/tessera.ts reads TESSERA_TEST_STORE), as `tessera serve --database-url … --redis-url …`
// runs. The multi-instance and fault suites need no second pass: they run on PostgreSQL + Redis already.
if (only.length === 0) {
  process.stdout.write('\n== end-to-end, interop and security tests on PostgreSQL + Redis\n')
  const scaled = run('npx', [
    'vitest', 'run', 'test/e2e', 'test/interop', 'test/security', '--exclude', 'test/e2e/multi-instance*',
    '--reporter=default', '--reporter=json', '--outputFile.json=.tmp/vitest-postgres-redis.json',
  ], { env: { ...process.env, ...services.env, TESSERA_TEST_STORE: 'postgres-redis' } })
  if (status === 0) status = scaled
}
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
step('log check: no secrets in the logs of this run (catalogue ST-04)', 'node', ['scripts/check-logs.mjs', ...(only.length === 0 ? ['--require-logs'] : [])])
// SECURITY-CASES.md from this run's report; fails when an applicable P0/P1 case fails or has no test.
if (only.length === 0) step('security report', 'node', ['scripts/security-report.mjs', '--report', '.tmp/vitest.json', '--report', '.tmp/vitest-postgres-redis.json'])
process.exit(status)
