#!/usr/bin/env node
// Footprint (issue 20): cold start to first answer of `tessera-oidc serve` (a fresh folder: migrations and key
// generation included; then a restart on the same folder) beside oidc-provider's bench server and a minimal
// better-auth server; what each entry point of tessera-oidc loads (import time in a fresh process, the packages
// it resolves and their size on disk) beside oidc-provider and better-auth; and the production dependency tree
// of each package (`npm ls --all --omit=dev`), what an install brings. better-auth is not a dependency: it is
// installed from the npm registry into a temporary folder, at a pinned version, for the measurement only.
// Usage: node bench/footprint.mjs [--runs 5]   (after `npx tsc -p tsconfig.build.json`)
// Prints markdown tables and writes bench/results/<stamp>-footprint.{json,md} (`npm run bench -- --render`
// includes the newest in BENCHMARKS.md).
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { SERVER_SECRET } from './lib/fixtures.mjs'
import { startServer } from './lib/server-process.mjs'

const root = fileURLToPath(new URL('../', import.meta.url))
const CLI = join(root, 'dist/cli/main.js')
const OIDC_PROVIDER = join(root, 'bench/servers/oidc-provider.mjs')
const PROBE = join(root, 'bench/lib/import-probe.mjs')
const BETTER_AUTH_VERSION = '1.7.25'
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' } } })
const runs = Number(args.runs)

const freePort = () => new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address()
    probe.close(() => resolve(port))
  })
})
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Milliseconds from spawning `serve` to its first 200 on the discovery document. */
function serveStart(dir) {
  const env = { ...process.env, TESSERA_SECRET: SERVER_SECRET, TESSERA_LOG_LEVEL: 'warn' }
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'TESSERA_DB', 'TESSERA_CONFIG']) delete env[name]
  return startToFirstAnswer((port) => [CLI, 'serve', '--port', String(port), '--db', join(dir, 'tessera.db')], '/.well-known/openid-configuration', { env })
}

/** Milliseconds from spawning the oidc-provider bench server to its first answer (it reports ready once listening). */
async function oidcProviderStart() {
  const started = performance.now()
  const server = await startServer(OIDC_PROVIDER, { accessTokenFormat: 'jwt', accessTokenAlg: 'ES256' })
  await fetch(`${server.url}/.well-known/openid-configuration`)
  const elapsed = performance.now() - started
  await server.stop()
  return elapsed
}

function npmTree(omitDev, cwd = root) {
  try {
    return JSON.parse(execFileSync('npm', ['ls', '--all', '--json', '--long', ...(omitDev ? ['--omit=dev'] : [])], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }))
  } catch (error) {
    return JSON.parse(error.stdout) // npm ls exits 1 on extraneous or invalid packages; its JSON is still complete.
  }
}

/**
 * The production dependency tree of the repository (every entry point of tessera-oidc) or of one installed
 * package (oidc-provider, one of our devDependencies; better-auth in its own folder): distinct packages and
 * bytes on disk.
 */
function dependencyTree(name, cwd = root) {
  const tree = npmTree(!name, cwd)
  // npm prints a package once in full and elsewhere as deduped (without its path): index the full ones.
  const located = new Map()
  const index = (node) => {
    for (const [dependency, child] of Object.entries(node.dependencies ?? {})) {
      if (child?.path && !located.has(`${dependency}@${child.version}`)) {
        located.set(`${dependency}@${child.version}`, child)
        index(child)
      }
    }
  }
  index(tree)
  const paths = new Set()
  const visit = (node) => {
    for (const [dependency, child] of Object.entries(node.dependencies ?? {})) {
      const full = child?.path ? child : located.get(`${dependency}@${child?.version}`)
      if (full?.path && !paths.has(full.path)) {
        paths.add(full.path)
        visit(full)
      }
    }
  }
  visit(name ? { dependencies: { [name]: tree.dependencies?.[name] } } : tree)
  const packages = [...paths].filter((path) => path.includes('node_modules'))
  return { packages: packages.length, MiB: packages.reduce((sum, path) => sum + diskBytes(path), 0) / 1024 ** 2 }
}

/** A package folder's bytes on disk, without the packages nested in it (counted on their own). */
function diskBytes(path) {
  return Number(execFileSync('du', ['-sb', '--exclude=node_modules', path], { encoding: 'utf8' }).split('\t')[0])
}

/** better-auth at a pinned version in a temporary folder, or why not (the registry unreachable). */
function installBetterAuth() {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-footprint-better-auth-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'footprint-better-auth', private: true, type: 'module' }))
  try {
    execFileSync('npm', ['install', `better-auth@${BETTER_AUTH_VERSION}`, '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 })
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    return { error: `npm install better-auth@${BETTER_AUTH_VERSION} failed: ${String(error.stderr ?? error.message).trim().split('\n')[0]}` }
  }
  copyFileSync(PROBE, join(dir, 'import-probe.mjs'))
  // The smallest better-auth server: its memory adapter, e-mail and password sign-in, telemetry off; `/api/auth/ok` answers once it is up.
  writeFileSync(join(dir, 'server.mjs'), [
    "import { createServer } from 'node:http'",
    "import { betterAuth } from 'better-auth'",
    "import { memoryAdapter } from 'better-auth/adapters/memory'",
    "import { toNodeHandler } from 'better-auth/node'",
    'const port = Number(process.argv[2])',
    `const auth = betterAuth({ baseURL: \`http://127.0.0.1:\${port}\`, secret: '${SERVER_SECRET}', telemetry: { enabled: false },`,
    '  database: memoryAdapter({ user: [], session: [], account: [], verification: [] }), emailAndPassword: { enabled: true } })',
    "createServer(toNodeHandler(auth)).listen(port, '127.0.0.1')",
  ].join('\n'))
  return { dir }
}

/** Milliseconds from spawning `command` to the first 200 at `path`; the process is stopped after. */
async function startToFirstAnswer(args, path, options = {}) {
  const port = await freePort()
  const started = performance.now()
  const child = spawn(process.execPath, args(port), { stdio: 'ignore', ...options })
  try {
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}${path}`)).status === 200) return performance.now() - started
      } catch {
        // Not listening yet.
      }
      if (child.exitCode !== null) throw new Error(`${args(port).join(' ')} exited with ${child.exitCode}`)
      if (performance.now() - started > 60_000) throw new Error(`${args(port).join(' ')} did not answer within 60 s`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('exit', resolve))
    }
  }
}

function probe(specifier, mode, cwd) {
  return execFileSync(process.execPath, [cwd ? 'import-probe.mjs' : PROBE, specifier, mode], { cwd: cwd ?? root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, BETTER_AUTH_TELEMETRY: '0' } }).trim()
}

/**
 * What importing one entry point costs a fresh process: the median import time, the packages it resolves (each
 * counted once, its folder's size on disk) and its own files outside node_modules (tessera-oidc's dist/).
 */
function entryPoint(specifier, cwd) {
  try {
    const ms = median(Array.from({ length: runs }, () => Number(probe(specifier, 'time', cwd))))
    const files = JSON.parse(probe(specifier, 'files', cwd))
    const packages = new Set()
    let ownBytes = 0
    for (const file of files) {
      const at = file.lastIndexOf('/node_modules/')
      if (at === -1) {
        ownBytes += statSync(file).size
        continue
      }
      const rest = file.slice(at + '/node_modules/'.length).split('/')
      packages.add(file.slice(0, at + '/node_modules/'.length) + (rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]))
    }
    const bytes = [...packages].reduce((sum, path) => sum + diskBytes(path), 0)
    return { importMs: ms, packages: packages.size, packagesMiB: bytes / 1024 ** 2, ownFiles: files.filter((file) => !file.includes('/node_modules/')).length, ownKiB: ownBytes / 1024 }
  } catch (error) {
    return { error: String(error.stderr ?? error.message).trim().split('\n').at(-1) }
  }
}

const betterAuth = installBetterAuth()
const cold = []
const warm = []
for (let run = 0; run < runs; run++) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-footprint-'))
  cold.push(await serveStart(dir))
  warm.push(await serveStart(dir))
  rmSync(dir, { recursive: true, force: true })
}
const reference = []
for (let run = 0; run < runs; run++) reference.push(await oidcProviderStart())
const betterAuthStart = []
if (betterAuth.dir) {
  for (let run = 0; run < runs; run++) {
    betterAuthStart.push(await startToFirstAnswer((port) => ['server.mjs', String(port)], '/api/auth/ok', { cwd: betterAuth.dir, env: { ...process.env, BETTER_AUTH_TELEMETRY: '0' } }))
  }
}

const exportsOf = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports
const entryPoints = {}
for (const subpath of Object.keys(exportsOf).filter((key) => key !== './package.json')) {
  const specifier = subpath === '.' ? 'tessera-oidc' : `tessera-oidc/${subpath.slice(2)}`
  entryPoints[specifier] = entryPoint(specifier)
}
entryPoints['oidc-provider'] = entryPoint('oidc-provider')
entryPoints[`better-auth ${BETTER_AUTH_VERSION}`] = betterAuth.dir ? entryPoint('better-auth', betterAuth.dir) : { error: betterAuth.error }

const results = {
  runs,
  startMs: {
    'tessera-oidc serve, fresh folder (migrations, key generation)': median(cold),
    'tessera-oidc serve, restart on the same folder': median(warm),
    'oidc-provider 9 (bench server, memory adapter, keys given)': median(reference),
    ...(betterAuth.dir ? { [`better-auth ${BETTER_AUTH_VERSION} (memory adapter, e-mail and password, node:http)`]: median(betterAuthStart) } : {}),
  },
  entryPoints,
  // The package's own folder is not counted (it is the repository here); its dependencies are.
  dependencies: {
    'tessera-oidc (every entry point)': dependencyTree(),
    'oidc-provider 9': dependencyTree('oidc-provider'),
    ...(betterAuth.dir ? { [`better-auth ${BETTER_AUTH_VERSION}`]: dependencyTree('better-auth', betterAuth.dir) } : {}),
  },
  ...(betterAuth.error ? { betterAuth: betterAuth.error } : {}),
}
if (betterAuth.dir) rmSync(betterAuth.dir, { recursive: true, force: true })

const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)
const name = `${stamp}-footprint`
writeFileSync(join(root, 'bench/results', `${name}.json`), `${JSON.stringify(results, null, 2)}\n`)
const lines = [
  `## Footprint (${name}.json)`,
  '',
  `\`node bench/footprint.mjs\`: medians of ${runs} runs on this machine, nothing pinned. Node ${process.versions.node}.`,
  '',
  '| Start to first answer | ms |',
  '| --- | --- |',
]
for (const [label, ms] of Object.entries(results.startMs)) lines.push(`| ${label} | ${Math.round(ms)} |`)
if (betterAuth.error) lines.push('', `better-auth not measured: ${betterAuth.error}`)
lines.push(
  '',
  'What importing one entry point costs a fresh process: the import alone (Node started before), the packages it resolves and their size on disk, and its own files (tessera-oidc\'s `dist/`). A package loaded only when first used (`better-sqlite3` when a store opens, `pg`, `argon2`) is not counted here.',
  '',
  '| Entry point | import ms | packages loaded | their MiB on disk | own files (KiB) |',
  '| --- | --- | --- | --- | --- |',
)
for (const [label, entry] of Object.entries(entryPoints)) {
  lines.push(entry.error
    ? `| \`${label}\` | not importable here: ${entry.error.replaceAll('|', '\\|')} | | | |`
    : `| \`${label}\` | ${Math.round(entry.importMs)} | ${entry.packages} | ${entry.packagesMiB.toFixed(1)} | ${entry.ownFiles} (${Math.round(entry.ownKiB)}) |`)
}
lines.push('', 'What an install brings (`npm ls --all --omit=dev`). tessera-oidc\'s optional peers (`better-sqlite3`, `argon2`, `pg`, `ioredis`, the frameworks) are not in its row: a user installs those they use.', '', '| Production dependencies | packages | MiB on disk |', '| --- | --- | --- |')
for (const [label, tree] of Object.entries(results.dependencies)) lines.push(`| ${label} | ${tree.packages} | ${tree.MiB.toFixed(1)} |`)
writeFileSync(join(root, 'bench/results', `${name}.md`), `${lines.join('\n')}\n`)
process.stdout.write(`${lines.join('\n')}\n`)
