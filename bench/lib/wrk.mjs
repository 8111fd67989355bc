// Runs wrk on the load core and returns the tally of bench/wrk/tally.lua.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { LOAD_CORE, pinned, spawnPinned } from './server-process.mjs'

const SCRIPT = fileURLToPath(new URL('../wrk/tally.lua', import.meta.url))
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
export const THREADS = 1

/** Installs Debian's wrk when missing (the bench runs as root in CI; otherwise says what to run). */
export function ensureWrk() {
  if (spawnSync('wrk', ['-v']).error === undefined) return
  if (process.getuid?.() !== 0) throw new Error('wrk is missing: install it with `sudo apt-get install -y wrk`')
  process.stdout.write('wrk is missing: installing it with apt-get\n')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'wrk']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env })
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed; run: apt-get install -y wrk`)
  }
}

export function wrkVersion() {
  const result = spawnSync('wrk', ['-v'], { encoding: 'utf8' })
  return /wrk\s+(\S+)/.exec(`${result.stdout}${result.stderr}`)?.[1] ?? 'unknown'
}

/**
 * Writes the spec file of a request and returns its path. `request`: { method, path, headers, body, expect, valuesFile }.
 */
export function writeSpec(file, request) {
  const lines = [`method ${request.method}`, `path ${request.path}`]
  for (const [name, value] of Object.entries(request.headers ?? {})) lines.push(`header ${name}: ${value}`)
  if (request.body !== undefined) lines.push(`body ${request.body}`)
  if (request.expect) lines.push(`expect ${request.expect}`)
  if (request.valuesFile) lines.push(`values ${request.valuesFile}`)
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

/** The exact command line of one run, also printed into BENCHMARKS.md. */
export function wrkCommand(url, seconds, specFile) {
  const [command, args] = pinned(LOAD_CORE, 'wrk', wrkArguments(url, seconds, specFile))
  return [command, ...args]
}

function wrkArguments(url, seconds, specFile) {
  return [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '10s', '--latency', '-s', SCRIPT, url, '--', specFile]
}

/**
 * One wrk run; resolves with the tally plus `rps` (expected responses per second: 2xx, or `okStatus` for a
 * scenario whose answer is an error by design, such as a pending device-flow poll) and `nonSuccess`.
 */
export function runWrk(url, seconds, specFile, okStatus) {
  return new Promise((resolve, reject) => {
    const child = spawnPinned(LOAD_CORE, 'wrk', wrkArguments(url, seconds, specFile), { env: { ...process.env, WRK_THREADS: String(THREADS) } })
    let output = ''
    child.stdout.on('data', (chunk) => { output += chunk })
    child.stderr.on('data', (chunk) => { output += chunk })
    child.on('error', reject)
    child.on('exit', (code) => {
      const line = output.split('\n').find((l) => l.startsWith('BENCH_RESULT '))
      if (code !== 0 || !line) return reject(new Error(`wrk failed (exit ${code}):\n${output}`))
      const tally = JSON.parse(line.slice('BENCH_RESULT '.length))
      const ok = Object.entries(tally.statuses).reduce((sum, [status, count]) => sum + ((okStatus === undefined ? status.startsWith('2') : status === String(okStatus)) ? count : 0), 0)
      const answered = Object.values(tally.statuses).reduce((sum, count) => sum + count, 0)
      const socketErrors = Object.entries(tally.errors).reduce((sum, [kind, count]) => sum + (kind === 'status' ? 0 : count), 0)
      resolve({
        ...tally,
        ok,
        nonSuccess: answered - ok,
        socketErrors,
        rps: ok / (tally.duration_us / 1e6),
        output,
      })
    })
  })
}
