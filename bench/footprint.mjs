#!/usr/bin/env node
// Footprint (issue 20): cold start to first answer of `tessera-oidc serve` (a fresh folder: migrations and key
// generation included; then a restart on the same folder) beside oidc-provider's bench server, and the
// production dependency tree of each package (`npm ls --all --omit=dev`): packages and their size on disk.
// Usage: node bench/footprint.mjs [--runs 5]   (after `npx tsc -p tsconfig.build.json`)
// Prints a markdown table and writes bench/results/<stamp>-footprint.json.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
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
async function serveStart(dir) {
  const port = await freePort()
  const env = { ...process.env, TESSERA_SECRET: SERVER_SECRET, TESSERA_LOG_LEVEL: 'warn' }
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'TESSERA_DB', 'TESSERA_CONFIG']) delete env[name]
  const started = performance.now()
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--db', join(dir, 'tessera.db')], { env, stdio: 'ignore' })
  try {
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).status === 200) return performance.now() - started
      } catch {
        // Not listening yet.
      }
      if (performance.now() - started > 60_000) throw new Error('serve did not answer within 60 s')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
  }
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

function npmTree(omitDev) {
  try {
    return JSON.parse(execFileSync('npm', ['ls', '--all', '--json', '--long', ...(omitDev ? ['--omit=dev'] : [])], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }))
  } catch (error) {
    return JSON.parse(error.stdout) // npm ls exits 1 on extraneous or invalid packages; its JSON is still complete.
  }
}

/**
 * The production dependency tree of the repository (every entry point of tessera-oidc) or of one installed
 * package (oidc-provider, one of our devDependencies): distinct packages and bytes on disk.
 */
function dependencyTree(name) {
  const tree = npmTree(!name)
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
  const bytes = packages.reduce((sum, path) => sum + Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]), 0)
  return { packages: packages.length, MiB: bytes / 1024 ** 2 }
}

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
const results = {
  runs,
  startMs: {
    'tessera-oidc serve, fresh folder (migrations, key generation)': median(cold),
    'tessera-oidc serve, restart on the same folder': median(warm),
    'oidc-provider 9 (bench server, memory adapter, keys given)': median(reference),
  },
  // The package's own folder is not counted (it is the repository here); its dependencies are.
  dependencies: { 'tessera-oidc (every entry point)': dependencyTree(), 'oidc-provider 9': dependencyTree('oidc-provider') },
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)
writeFileSync(join(root, 'bench/results', `${stamp}-footprint.json`), `${JSON.stringify(results, null, 2)}\n`)
const lines = ['| Start to first answer (median of ' + runs + ') | ms |', '| --- | --- |']
for (const [label, ms] of Object.entries(results.startMs)) lines.push(`| ${label} | ${Math.round(ms)} |`)
lines.push('', '| Production dependencies | packages | MiB on disk |', '| --- | --- | --- |')
for (const [label, tree] of Object.entries(results.dependencies)) lines.push(`| ${label} | ${tree.packages} | ${tree.MiB.toFixed(1)} |`)
process.stdout.write(`${lines.join('\n')}\n`)
