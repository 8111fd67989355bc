#!/usr/bin/env node
// Throwaway PostgreSQL and Redis servers for the test suites, from the Debian packages, on free loopback
// ports in a temporary folder. Nothing is assumed to be running: `postgresql` and `redis-server` are
// installed with apt-get when missing (as root; otherwise the run fails with the command to run), and
// both servers are stopped and their folder removed at the end, on failure and on SIGINT/SIGTERM too.
//
// As a library (scripts/test.mjs):
//   const services = await startServices()   // { env: { DATABASE_URL, REDIS_URL }, stop() }
//   ... run the tests with { ...process.env, ...services.env } ...
//   await services.stop()
// As a command:
//   node scripts/services.mjs -- npx vitest run test/storage   runs the command with the services up
//   node scripts/services.mjs                                  prints the URLs and waits for Ctrl-C
import { spawn, spawnSync } from 'node:child_process'
import { chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const PG_ROOT = '/usr/lib/postgresql'
const REDIS_SERVER = '/usr/bin/redis-server'
const START_TIMEOUT_MS = 60_000
const isRoot = process.getuid?.() === 0

/** The newest installed PostgreSQL server's bin folder, or undefined. */
function findPostgresBin() {
  if (!existsSync(PG_ROOT)) return undefined
  const versions = readdirSync(PG_ROOT)
    .filter((version) => existsSync(join(PG_ROOT, version, 'bin', 'initdb')) && existsSync(join(PG_ROOT, version, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] === undefined ? undefined : join(PG_ROOT, versions[0], 'bin')
}

function ensurePackages(log) {
  const missing = []
  if (!findPostgresBin()) missing.push('postgresql')
  if (!existsSync(REDIS_SERVER)) missing.push('redis-server')
  if (missing.length === 0) return
  const command = `apt-get install -y ${missing.join(' ')}`
  if (!isRoot) throw new Error(`${missing.join(' and ')} missing (needed by the storage tests). Install with: sudo ${command}`)
  log(`installing Debian ${missing.join(' and ')} for the storage tests`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...missing]]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env })
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed; run: ${command}`)
  }
  if (!findPostgresBin() || !existsSync(REDIS_SERVER)) throw new Error(`apt-get did not install ${missing.join(' and ')}; run: ${command}`)
}

const NGINX = '/usr/sbin/nginx'

/**
 * Installs Debian's nginx when missing (as root; otherwise throws with the command), for the suite that
 * runs examples/nginx/tessera.conf. Tests start their own nginx with a temporary configuration; the
 * package's own service is not needed (and a container's policy usually keeps it from starting).
 *
 * @param {(line: string) => void} [log]
 */
export function ensureNginx(log = (line) => process.stderr.write(`${line}\n`)) {
  if (existsSync(NGINX)) return
  const command = 'apt-get install -y nginx'
  if (!isRoot) throw new Error(`nginx is missing (needed by test/e2e/multi-instance-nginx.test.ts). Install with: sudo ${command}`)
  log('installing Debian nginx for the multi-instance tests')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'nginx']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env })
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed; run: ${command}`)
  }
  if (!existsSync(NGINX)) throw new Error(`apt-get did not install nginx; run: ${command}`)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Resolves once `probe(socket)` succeeds against 127.0.0.1:port; rejects after the timeout or if `failed()` says so. */
async function waitForPort(name, port, probe, failed) {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    const failure = failed()
    if (failure) throw new Error(`${name} did not start: ${failure}`)
    if (await probe(port)) return
    if (Date.now() > deadline) throw new Error(`${name} did not accept connections on 127.0.0.1:${port} within ${START_TIMEOUT_MS / 1000}s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function probeTcp(port, send, expect) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (ok) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => (send ? socket.write(send) : done(true)))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) done(reply.startsWith(expect))
    })
  })
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

function postgresIds() {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (uid.status !== 0 || gid.status !== 0) throw new Error('the Debian `postgres` system user is missing; reinstall with: apt-get install --reinstall postgresql')
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

/**
 * A PostgreSQL server of its own, on a free loopback port in a new temporary folder, that a fault test may
 * stop and start again (same port, same data) while other suites keep using the shared one.
 *
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<{ url: string, halt: (mode?: 'fast' | 'immediate') => void, resume: () => void, stop: () => void }>}
 *   `url` of the `postgres` database; `halt` stops the server (`pg_ctl stop -m fast` by default: sessions
 *   are cut as in a restart), `resume` starts it again and returns once it accepts connections; `stop`
 *   stops it for good and removes its folder (also done on process exit).
 */
export async function startPostgres({ log = () => undefined } = {}) {
  ensurePackages(log)
  const pgBin = findPostgresBin()
  const dir = mkdtempSync(join(tmpdir(), 'tessera-postgres-'))
  const pgData = join(dir, 'pgdata')
  const pgLog = join(dir, 'postgres.log')
  const asPostgres = (command, args) =>
    spawnSync(isRoot ? 'runuser' : command, isRoot ? ['-u', 'postgres', '--', command, ...args] : args, { cwd: dir, encoding: 'utf8' })
  let running = false
  let removed = false
  const halt = (mode = 'fast') => {
    if (!running) return
    running = false
    const result = asPostgres(join(pgBin, 'pg_ctl'), ['-D', pgData, '-m', mode, '-w', '-t', '30', 'stop'])
    if (result.status !== 0) throw new Error(`pg_ctl stop failed:\n${result.stdout}${result.stderr}`)
  }
  const stop = () => {
    if (removed) return
    removed = true
    try {
      halt('immediate')
    } finally {
      rmSync(dir, { recursive: true, force: true })
      process.removeListener('exit', stop)
    }
  }
  process.on('exit', stop)
  try {
    if (isRoot) {
      const { uid, gid } = postgresIds()
      chownSync(dir, uid, gid)
    }
    const port = await freePort()
    const init = asPostgres(join(pgBin, 'initdb'), ['-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`)
    const serverOptions = [
      '-c listen_addresses=127.0.0.1', `-p ${port}`, `-k ${dir}`, '-c max_connections=100',
      '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off',
    ].join(' ')
    const resume = () => {
      if (running || removed) return
      const start = asPostgres(join(pgBin, 'pg_ctl'), ['-D', pgData, '-l', pgLog, '-o', serverOptions, '-w', '-t', String(START_TIMEOUT_MS / 1000), 'start'])
      if (start.status !== 0) throw new Error(`pg_ctl start failed:\n${start.stdout}${start.stderr}\n${tail(pgLog)}`)
      running = true
    }
    resume()
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, halt, resume, stop }
  } catch (error) {
    stop()
    throw error
  }
}

/**
 * A Redis server of its own with an append-only file written on every command (`appendfsync always`, as
 * the README asks of production), that a fault test may kill and start again (same port, same data).
 *
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<{ url: string, halt: () => Promise<void>, resume: () => Promise<void>, stop: () => void }>}
 *   `halt` kills the server (SIGKILL: a crash, nothing flushed on the way out); `resume` starts it again
 *   from its append-only file and resolves once it answers PING; `stop` kills it and removes its folder.
 */
export async function startRedis({ log = () => undefined } = {}) {
  ensurePackages(log)
  const dir = mkdtempSync(join(tmpdir(), 'tessera-redis-'))
  const redisLog = join(dir, 'redis.log')
  const port = await freePort()
  let server
  let removed = false
  const alive = () => server && server.exitCode === null && server.signalCode === null
  const halt = async () => {
    if (!alive()) return
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill('SIGKILL')
    await exited
  }
  const stop = () => {
    if (removed) return
    removed = true
    if (alive()) server.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    process.removeListener('exit', stop)
  }
  process.on('exit', stop)
  const resume = async () => {
    if (alive() || removed) return
    const logFd = openSync(redisLog, 'a')
    server = spawn(REDIS_SERVER, [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always',
      '--dir', dir, '--daemonize', 'no',
    ], { stdio: ['ignore', logFd, logFd] })
    closeSync(logFd)
    const exited = () => (alive() ? undefined : `redis-server exited:\n${tail(redisLog)}`)
    await waitForPort('Redis', port, (p) => probeTcp(p, 'PING\r\n', '+PONG'), exited)
  }
  try {
    await resume()
    return { url: `redis://127.0.0.1:${port}`, halt, resume, stop }
  } catch (error) {
    stop()
    throw error
  }
}

/**
 * Starts PostgreSQL and Redis on free loopback ports in a new temporary folder.
 *
 * @param {{ log?: (line: string) => void, handleSignals?: boolean }} [options] `handleSignals` (default true)
 *   stops the services on SIGINT, SIGTERM and SIGHUP before exiting; they are stopped on process exit anyway.
 * @returns {Promise<{ env: { DATABASE_URL: string, REDIS_URL: string }, stop: () => Promise<void> }>}
 */
export async function startServices({ log = (line) => process.stderr.write(`${line}\n`), handleSignals = true } = {}) {
  ensurePackages(log)
  const pgBin = findPostgresBin()
  const dir = mkdtempSync(join(tmpdir(), 'tessera-services-'))
  const pgData = join(dir, 'pgdata')
  const pgLog = join(dir, 'postgres.log')
  const redisDir = join(dir, 'redis')
  const redisLog = join(redisDir, 'redis.log')
  let redis
  let pgStarted = false
  let stopped = false

  // initdb refuses to run as root: as root, PostgreSQL runs as the Debian `postgres` user, which must own
  // the folder. `cwd` is the folder so that `postgres` need not be able to read the caller's directory.
  const asPostgres = (command, args) =>
    spawnSync(isRoot ? 'runuser' : command, isRoot ? ['-u', 'postgres', '--', command, ...args] : args, { cwd: dir, encoding: 'utf8' })

  function stopPostgresSync(mode) {
    if (!pgStarted) return
    pgStarted = false
    asPostgres(join(pgBin, 'pg_ctl'), ['-D', pgData, '-m', mode, '-w', '-t', '30', 'stop'])
  }

  // Runs on `process.exit` too, where only synchronous work is possible: SIGKILL and an immediate stop.
  function stopSync() {
    if (stopped) return
    stopped = true
    if (redis && redis.exitCode === null && redis.signalCode === null) redis.kill('SIGKILL')
    stopPostgresSync('immediate')
    rmSync(dir, { recursive: true, force: true })
    removeHandlers()
  }

  async function stop() {
    if (stopped) return
    if (redis && redis.exitCode === null && redis.signalCode === null) {
      const exited = new Promise((resolve) => redis.once('exit', resolve))
      redis.kill('SIGTERM')
      const timer = setTimeout(() => redis.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
    stopPostgresSync('fast')
    stopSync()
  }

  const onSignal = (signal) => {
    log(`${signal}: stopping PostgreSQL and Redis`)
    stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143))
  }
  const signals = handleSignals ? ['SIGINT', 'SIGTERM', 'SIGHUP'] : []
  function removeHandlers() {
    process.removeListener('exit', stopSync)
    for (const signal of signals) process.removeListener(signal, onSignal)
  }
  process.on('exit', stopSync)
  for (const signal of signals) process.on(signal, onSignal)

  // A signal handled while starting stops everything; the next step then gives up instead of starting more.
  const checkStopped = () => {
    if (stopped) throw new Error('interrupted while starting PostgreSQL and Redis')
  }

  try {
    if (isRoot) {
      const { uid, gid } = postgresIds()
      chownSync(dir, uid, gid)
      if (spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-w', dir]).status !== 0) {
        throw new Error(`the postgres user cannot reach ${dir}; set TMPDIR to a folder it can reach, e.g. TMPDIR=/tmp`)
      }
    }
    mkdirSync(redisDir)
    const [pgPort, redisPort] = await Promise.all([freePort(), freePort()])
    checkStopped()

    const init = asPostgres(join(pgBin, 'initdb'), ['-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`)
    // fsync off: a throwaway server need not survive an OS crash, and the suites run faster.
    const serverOptions = [
      '-c listen_addresses=127.0.0.1', `-p ${pgPort}`, `-k ${dir}`, '-c max_connections=300',
      '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off',
    ].join(' ')
    const start = asPostgres(join(pgBin, 'pg_ctl'), ['-D', pgData, '-l', pgLog, '-o', serverOptions, '-w', '-t', String(START_TIMEOUT_MS / 1000), 'start'])
    pgStarted = true
    if (start.status !== 0) throw new Error(`pg_ctl start failed:\n${start.stdout}${start.stderr}\n${tail(pgLog)}`)

    checkStopped()
    const logFd = openSync(redisLog, 'a')
    redis = spawn(REDIS_SERVER, [
      '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', redisDir, '--daemonize', 'no',
    ], { stdio: ['ignore', logFd, logFd] })
    closeSync(logFd)
    const redisExited = () => (redis.exitCode !== null || redis.signalCode !== null ? `redis-server exited:\n${tail(redisLog)}` : undefined)

    await waitForPort('PostgreSQL', pgPort, (port) => probeTcp(port), () => undefined)
    await waitForPort('Redis', redisPort, (port) => probeTcp(port, 'PING\r\n', '+PONG'), redisExited)
    checkStopped()
    log(`PostgreSQL on 127.0.0.1:${pgPort}, Redis on 127.0.0.1:${redisPort} (in ${dir})`)
    return {
      env: {
        DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

const SIGNAL_STATUS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }

async function main(argv) {
  const separator = argv.indexOf('--')
  const command = separator === -1 ? argv : argv.slice(separator + 1)
  // A signal while starting is remembered and acted on once the services are up (and then stopped);
  // while the command runs it is forwarded to it (Ctrl-C from a terminal reaches it directly anyway), and
  // the services are stopped after it has exited, so it can finish its own cleanup first.
  let child
  let interrupted
  let wake = () => undefined
  const onSignal = (signal) => {
    interrupted ??= signal
    if (child) child.kill(signal)
    wake()
  }
  for (const signal of Object.keys(SIGNAL_STATUS)) process.on(signal, onSignal)

  const services = await startServices({ handleSignals: false })
  if (interrupted) {
    await services.stop()
    return SIGNAL_STATUS[interrupted]
  }
  if (command.length === 0) {
    process.stdout.write(`DATABASE_URL=${services.env.DATABASE_URL}\nREDIS_URL=${services.env.REDIS_URL}\n(Ctrl-C stops them)\n`)
    await new Promise((resolve) => (wake = resolve))
    await services.stop()
    return 0
  }
  const [file, ...args] = command
  child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, ...services.env } })
  const status = await new Promise((resolve) => {
    child.once('error', (error) => {
      process.stderr.write(`could not run ${file}: ${error.message}\n`)
      resolve(127)
    })
    child.once('exit', (code, signal) => resolve(code ?? SIGNAL_STATUS[signal] ?? 1))
  })
  await services.stop()
  return status
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (status) => process.exit(status),
    (error) => {
      process.stderr.write(`services: ${error instanceof Error ? error.message : String(error)}\n`)
      process.exit(1)
    },
  )
}
