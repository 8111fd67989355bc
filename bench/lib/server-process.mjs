// Starts a server under test on its own core (`taskset -c 0`) with an IPC channel for preparation.
import { spawn } from 'node:child_process'
import { openSync, readFileSync, writeFileSync } from 'node:fs'

export const SERVER_CORE = '0'
export const LOAD_CORE = '1'
/**
 * Priority of the measured processes. On a shared machine other work would otherwise take turns on the
 * server's core. With the kernel's autogroups, `nice` only orders processes of one session, so (as
 * root) each measured process gets its own session whose autogroup is given this niceness.
 */
export const NICENESS = process.getuid?.() === 0 ? -15 : 0

/** `[command, args]` running `command` pinned to `core`. */
export function pinned(core, command, args) {
  return ['taskset', ['-c', core, command, ...args]]
}

/** Spawns `command` pinned to `core`, in its own prioritized session when running as root. */
export function spawnPinned(core, command, args, options = {}) {
  const [taskset, tasksetArgs] = pinned(core, command, args)
  const child = spawn(taskset, tasksetArgs, { ...options, detached: NICENESS !== 0 })
  if (NICENESS !== 0) {
    try {
      writeFileSync(`/proc/${child.pid}/autogroup`, String(NICENESS))
    } catch {
      // No autogroups (kernel option off): plain niceness still orders it before nice-0 work.
      spawn('renice', ['-n', String(NICENESS), '-p', String(child.pid)], { stdio: 'ignore' })
    }
  }
  return child
}

/**
 * Spawns `node <script> <json options>` pinned to SERVER_CORE; resolves once it listens.
 * `nodeArgs` go before the script (e.g. `--cpu-prof`). Output goes to `logFile`.
 */
export async function startServer(script, options, { logFile, nodeArgs = [] } = {}) {
  const out = logFile ? openSync(logFile, 'a') : 'ignore'
  const child = spawnPinned(SERVER_CORE, process.execPath, [...nodeArgs, script, JSON.stringify(options)], {
    stdio: ['ignore', out, out, 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  })
  const pending = new Map()
  let nextId = 1
  let exited
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = { code, signal }
    for (const { reject } of pending.values()) reject(new Error(`${script} exited (${code ?? signal}); see ${logFile}`))
    pending.clear()
    resolve(exited)
  }))
  child.on('message', (message) => {
    const waiter = pending.get(message.id)
    if (!waiter) return
    pending.delete(message.id)
    if (message.ok) waiter.resolve(message.result)
    else waiter.reject(new Error(message.error))
  })
  const started = new Promise((resolve, reject) => pending.set(0, { resolve, reject }))
  const timeout = setTimeout(() => pending.get(0)?.reject(new Error(`${script} did not start within 60 s`)), 60_000)
  const info = await started.finally(() => clearTimeout(timeout))

  // A launcher (bench/servers/shipped.mjs) names the process that serves; it is the one measured.
  const measuredPid = info.servedBy ?? child.pid
  return {
    pid: measuredPid,
    /** The client's Authorization header when the server created its own client (the shipped rows). */
    authorization: info.authorization,
    /** The shipped rows' client id, user name and data folder. */
    clientId: info.clientId,
    username: info.username,
    dir: info.dir,
    port: info.port,
    issuer: info.issuer,
    url: `http://127.0.0.1:${info.port}`,
    /** Sends `{ op, ...fields }` and resolves with the server's answer. */
    request(op, fields = {}) {
      if (exited) return Promise.reject(new Error(`${script} has exited`))
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        child.send({ id, op, ...fields })
      })
    },
    /** Peak resident set size so far, in KiB (the kernel's high-water mark, VmHWM). */
    peakRssKiB() {
      const status = readFileSync(`/proc/${measuredPid}/status`, 'utf8')
      return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN)
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exit
        clearTimeout(timer)
      }
      return exited
    },
  }
}
