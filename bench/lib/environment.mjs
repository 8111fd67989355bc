// What the numbers were measured on: CPU, kernel, Node, wrk and the versions of the packages involved.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { wrkVersion } from './wrk.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const PACKAGES = ['oidc-provider', 'jose', 'hono', '@hono/node-server', 'better-sqlite3', 'kysely', 'argon2']

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8')).version
  } catch {
    return 'missing'
  }
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim()
  } catch {
    return ''
  }
}

export function describeEnvironment() {
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown'
  const virtualization = /^flags\s*:.*\bhypervisor\b/m.test(readFileSync('/proc/cpuinfo', 'utf8')) ? 'virtual machine' : 'bare metal'
  return {
    cpu: cpuModel,
    cores: cpus().length,
    virtualization,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    wrk: wrkVersion(),
    tessera: JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version,
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', '--', 'src']) ? ' (with uncommitted changes in src/)' : ''}`,
    packages: Object.fromEntries(PACKAGES.map((name) => [name, packageVersion(name)])),
  }
}

/** Clock ticks per second for /proc/<pid>/stat CPU times. */
export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

/** CPU seconds (user + system, all threads) used so far by a process. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}
