import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/*
 * The package as a user gets it: `npm pack` of the built repository, installed from the tarball into empty
 * projects with the npm registry (the only network this needs; the npm cache makes reruns quick). `app`
 * installs what an authorization server with an Express API needs; `bare` installs the tarball alone, as an
 * API or client app that uses no store does, and proves the optional peers are not needed to load those
 * entry points, and that the CLI names the missing driver. better-sqlite3's prebuilt binaries come from
 * GitHub, which this machine does not reach, and compiling it takes minutes on a busy machine: its
 * install script (prebuild-install) is handed the binary the repository's node_modules built for this
 * Node, as a local prebuild of the same version; without one it compiles from source.
 */

const ROOT = process.cwd()
const SECRET = 'pack-install-test-secret-pack-install-test-0123'
const INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund']

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

// A new user's shell: without the DATABASE_URL and REDIS_URL the test launcher sets for other suites, which
// `tessera-oidc serve` would take over its SQLite default.
const { DATABASE_URL: _database, REDIS_URL: _redis, ...userEnv } = process.env

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...userEnv, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** Spawns `command` in a process group of its own (npx runs the bin as a child) and waits for `ready` in its output. */
function start(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(command, args, { cwd, env: { ...userEnv, ...env }, detached: true })
  started.push(child)
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${output}`)), 30_000)
    const check = (chunk: Buffer) => {
      output += chunk.toString()
      const match = ready.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve({ child, match, output: () => output })
      }
    }
    child.stdout?.on('data', check)
    child.stderr?.on('data', check)
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${output}`)))
  })
}

const started: ChildProcess[] = []
let dir = ''
let tarball = ''
let app = ''
let bare = ''

/**
 * The repository's better-sqlite3 binary as prebuild-install's local prebuild (named as its download would
 * be), so the install does not compile it; `{}` (compile from source) when there is none for this Node.
 */
async function betterSqlite3Prebuild(): Promise<NodeJS.ProcessEnv> {
  const installed = join(ROOT, 'node_modules/better-sqlite3')
  const binary = join(installed, 'build/Release/better_sqlite3.node')
  // Under scripts/native-addon-redirect.mjs node_modules' binary is for another Node than this one.
  const redirected = (process.env.TESSERA_NATIVE_ADDONS ?? '').includes('better_sqlite3.node')
  if (!existsSync(binary) || redirected || process.platform !== 'linux') return { npm_config_build_from_source: 'true' }
  const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string }
  const prebuilds = join(dir, 'prebuilds')
  mkdirSync(prebuilds)
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-linux-${process.arch}.tar.gz`
  const packed = await run('tar', ['czf', join(prebuilds, name), 'build/Release/better_sqlite3.node'], installed)
  if (packed.code !== 0) throw new Error(packed.stderr)
  return { npm_config_better_sqlite3_local_prebuilds: prebuilds }
}

async function install(project: string, packages: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  mkdirSync(project)
  // allowScripts: npm 11 asks which packages may run install scripts (the native builds).
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pack-install-app', private: true, type: 'module', allowScripts: { argon2: true, 'better-sqlite3': true } }))
  const result = await run('npm', ['install', tarball, ...packages, ...INSTALL_FLAGS], project, env)
  if (result.code !== 0) throw new Error(`npm install in ${project} failed: ${result.stderr}`)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-pack-'))
  const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], ROOT)
  expect(packed.code, packed.stderr).toBe(0)
  tarball = join(dir, packed.stdout.trim().split('\n').at(-1) ?? '')
  app = join(dir, 'app')
  bare = join(dir, 'bare')
  const prebuild = await betterSqlite3Prebuild()
  await Promise.all([install(app, ['express@5', 'better-sqlite3@12', 'argon2@0.45'], prebuild), install(bare, [], {})])
}, 480_000)

afterAll(() => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM')
  }
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('the packed tarball installed into an empty project', () => {
  it('serves the configured API only, issues a client-credentials token that an Express API accepts, and loads tessera-oidc/client', async () => {
    const apiPort = await freePort()
    const audience = `http://127.0.0.1:${apiPort}/api`
    writeFileSync(join(app, 'tessera.config.json'), JSON.stringify({ resources: [{ identifier: audience, scopes: { 'api.read': 'Read the API' } }] }))
    const env = { TESSERA_SECRET: SECRET, TESSERA_LOG_LEVEL: 'warn' }
    const server = await start('npx', ['tessera-oidc', 'serve', '--config', 'tessera.config.json', '--port', '0'], app, env, /authorization server: (http:\/\/\S+)/)
    const issuer = server.match[1] ?? ''

    // No --demo: neither the notes API nor its metadata.
    expect((await fetch(`${issuer}/api/notes`)).status).toBe(404)
    expect((await fetch(`${issuer}/api/me`)).status).toBe(404)

    const created = await run('npx', ['tessera-oidc', 'client', 'create', '--name', 'Pack job', '--grant', 'client_credentials', '--scope', 'api.read', '--json'], app, env)
    expect(created.code, created.stderr).toBe(0)
    const { client_id: clientId, client_secret: clientSecret } = JSON.parse(created.stdout) as { client_id: string; client_secret: string }
    const tokenResponse = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api.read', resource: audience }).toString(),
    })
    expect(tokenResponse.status).toBe(200)
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string }

    writeFileSync(join(app, 'api.mjs'), `
import express from 'express'
import { createResourceServer } from 'tessera-oidc/resource'
import { requireScopes } from 'tessera-oidc/adapters/express-resource'
import { createOAuth } from 'tessera-oidc/client'
import { MissingDependencyError } from 'tessera-oidc'

const rs = createResourceServer({ issuer: process.env.ISSUER, audience: process.env.AUDIENCE })
const app = express()
app.get('/api/hello', requireScopes(rs, 'api.read'), (req, res) => res.json({ client: req.principal.clientId, scopes: req.principal.scopes }))
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('api listening', typeof createOAuth, typeof MissingDependencyError))
`)
    const api = await start('node', ['api.mjs'], app, { ISSUER: issuer, AUDIENCE: audience, PORT: String(apiPort) }, /api listening (\w+) (\w+)/)
    expect(api.match.slice(1)).toEqual(['function', 'function'])

    const accepted = await fetch(`http://127.0.0.1:${apiPort}/api/hello`, { headers: { authorization: `Bearer ${token}` } })
    expect(accepted.status).toBe(200)
    expect(await accepted.json()).toEqual({ client: clientId, scopes: ['api.read'] })

    const forged = `${token.slice(0, -4)}AAAA`
    const refused = await fetch(`http://127.0.0.1:${apiPort}/api/hello`, { headers: { authorization: `Bearer ${forged}` } })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect((await fetch(`http://127.0.0.1:${apiPort}/api/hello`)).status).toBe(401)
  })

  it('without the optional peers: the resource, client and root entry points load, and a store names its driver', async () => {
    const script = `
const loaded = await Promise.all(['tessera-oidc', 'tessera-oidc/resource', 'tessera-oidc/client', 'tessera-oidc/server', 'tessera-oidc/storage/sqlite'].map((entry) => import(entry)))
const { openSqliteStore } = loaded[4]
const error = await openSqliteStore({ filename: ':memory:' }).then(() => undefined, (caught) => caught)
console.log(JSON.stringify({ missing: error instanceof loaded[0].MissingDependencyError, message: error?.message }))
`
    const result = await run('node', ['--input-type=module', '-e', script], bare)
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ missing: true, message: 'the SQLite store needs better-sqlite3: npm install better-sqlite3@12' })
  })

  it('without better-sqlite3, `tessera-oidc serve` exits with the package to install and no stack trace', async () => {
    writeFileSync(join(bare, 'tessera.config.json'), JSON.stringify({ resources: [{ identifier: 'http://127.0.0.1:9/api', scopes: { 'api.read': 'Read' } }] }))
    const result = await run('npx', ['tessera-oidc', 'serve', '--config', 'tessera.config.json', '--port', '0'], bare, { TESSERA_SECRET: SECRET })
    expect(result.code).not.toBe(0)
    expect(result.code).not.toBeNull()
    expect(result.stderr).toContain('tessera-oidc: the SQLite store needs better-sqlite3: npm install better-sqlite3@12')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})
