import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { TESSERA_BIN } from '../helpers/cli.js'
import { createTestDatabase, serviceUrl } from '../storage/services.js'

const run = promisify(execFile)

/*
 * Docker cannot run here, so the image is never built in these tests. What can be checked is checked: the
 * Dockerfile's invariants as text, its HEALTHCHECK command run as it is, and the compose file's Tessera
 * service run as a process — its command after the image's ENTRYPOINT, the image's ENV and the service's
 * environment — against the launcher's PostgreSQL and Redis. The only changes are those a container makes
 * invisible: service host names become the launcher's URLs, the mounted file the repository's, the image's
 * port 4000 a free one (as TESSERA_PORT, which the HEALTHCHECK reads too), the metrics port a free one,
 * 0.0.0.0 loopback, and WORKDIR an empty temporary folder.
 */

const ROOT = process.cwd()
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
const COMPOSE = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as Compose
const UNIT = readFileSync(join(ROOT, 'deploy/tessera.service'), 'utf8')
const SECRET = 'compose-test-secret-compose-test-secret-0123'

interface ComposeService {
  image?: string
  build?: unknown
  entrypoint?: unknown
  command?: unknown
  environment?: Record<string, string | number>
  volumes?: string[]
  ports?: string[]
  depends_on?: Record<string, { condition?: string }>
  healthcheck?: { test?: string[] }
}
interface Compose {
  services: Record<string, ComposeService>
}

interface Instruction {
  keyword: string
  args: string
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const space = line.indexOf(' ')
      return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() }
    })
}

/** The stages, each starting with its FROM. */
function stages(list: Instruction[]): Instruction[][] {
  const result: Instruction[][] = []
  for (const instruction of list) {
    if (instruction.keyword === 'FROM') result.push([])
    result.at(-1)?.push(instruction)
  }
  return result
}

const STAGES = stages(instructions(DOCKERFILE))
const RUNTIME = STAGES.at(-1) ?? []
const BUILD = STAGES[0] ?? []

function only(stage: Instruction[], keyword: string): string {
  const found = stage.filter((instruction) => instruction.keyword === keyword)
  expect(found, `exactly one ${keyword}`).toHaveLength(1)
  return found[0]?.args ?? ''
}

function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`not an exec form: ${args}`)
  return parsed
}

/** The runtime stage's ENV as a record (`ENV A=1 B=2` form). */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const instruction of RUNTIME.filter((entry) => entry.keyword === 'ENV')) {
    for (const pair of instruction.args.split(/\s+/)) {
      const [name, ...value] = pair.split('=')
      if (name) env[name] = value.join('=')
    }
  }
  return env
}

/** Compose's variable interpolation, in the forms the file uses: `${X}`, `${X:-default}`, `${X:?message}`, `$$`. */
function interpolate(value: string, variables: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (match, name: string, operator: string | undefined, word: string | undefined) => {
    if (match === '$$') return '$'
    const set = variables[name]
    if ((set === undefined || set === '') && operator === '?') throw new Error(`required variable ${name} is missing a value: ${word ?? ''}`)
    if ((set === undefined || set === '') && operator === '-') return word ?? ''
    return set ?? ''
  })
}

function serviceEnvironment(service: ComposeService, variables: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, interpolate(String(value), variables)]))
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** Every `--flag` that `tessera-oidc serve --help` documents. */
function serveFlags(): Set<string> {
  const help = spawnSync(process.execPath, [TESSERA_BIN, 'serve', '--help'], { encoding: 'utf8' })
  expect(help.status).toBe(0)
  return new Set(help.stdout.match(/--[a-z][a-z-]*/g) ?? [])
}

interface Started {
  output(): string
  stop(): Promise<void>
}

/** Spawns `node …argv` and resolves once it says it listens at `base`. */
function startTessera(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string, base: string): Promise<Started> {
  const child: ChildProcess = spawn(process.execPath, argv, { env, cwd })
  let output = ''
  const stop = (): Promise<void> => new Promise((resolve) => {
    child.removeAllListeners('exit')
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`serve did not start: ${output}`))
    }, 30_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(`authorization server: ${base}`)) {
        clearTimeout(timer)
        resolve({ output: () => output, stop })
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}: ${output}`))
    })
  })
}

/** The HEALTHCHECK's exec form, run here with `env`: its exit status. */
function runHealthcheck(env: NodeJS.ProcessEnv): number | null {
  const healthcheck = only(RUNTIME, 'HEALTHCHECK')
  const [node, ...args] = execForm(healthcheck.slice(healthcheck.indexOf('CMD ') + 4))
  expect(node).toBe('node')
  return spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 10_000 }).status
}

const tessera = COMPOSE.services.tessera ?? {}

describe('docker-compose.yml', () => {
  it('runs Tessera from the Dockerfile after healthy PostgreSQL 16 and Redis 7', () => {
    const { postgres, redis } = COMPOSE.services
    expect(postgres?.image).toMatch(/^postgres:16\b/)
    expect(postgres?.healthcheck?.test).toContain('pg_isready')
    expect(redis?.image).toMatch(/^redis:7\b/)
    expect(redis?.healthcheck?.test).toEqual(expect.arrayContaining(['redis-cli', 'ping']))
    expect(redis?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']))
    for (const store of [postgres, redis]) expect(store?.ports, 'not published on the host').toBeUndefined()
    expect(tessera.build).toBe('.')
    expect(tessera.entrypoint, 'the image ENTRYPOINT is what the test runs').toBeUndefined()
    expect(tessera.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
  })

  it('refuses to start without TESSERA_SECRET and POSTGRES_PASSWORD from the environment', () => {
    expect(() => serviceEnvironment(tessera, { POSTGRES_PASSWORD: 'p' })).toThrow(/TESSERA_SECRET/)
    expect(() => serviceEnvironment(tessera, { TESSERA_SECRET: SECRET })).toThrow(/POSTGRES_PASSWORD/)
    expect(() => serviceEnvironment(COMPOSE.services.postgres ?? {}, {})).toThrow(/POSTGRES_PASSWORD/)
  })

  it('publishes the metrics port on the host\'s loopback only', () => {
    const metricsPort = String(tessera.environment?.TESSERA_METRICS_PORT)
    expect(tessera.ports).toContain(`127.0.0.1:${metricsPort}:${metricsPort}`)
    expect(tessera.ports?.filter((port) => port.endsWith(`:${metricsPort}`))).toHaveLength(1)
  })

  it('mounts a configuration file that tessera-oidc config check accepts', () => {
    const mount = tessera.volumes?.find((volume) => volume.includes('tessera.config.json'))
    expect(mount?.split(':')[0]).toBe('./deploy/tessera.config.json')
    const check = spawnSync(process.execPath, [TESSERA_BIN, 'config', 'check', join(ROOT, 'deploy/tessera.config.json'), '--json'], { encoding: 'utf8' })
    expect(check.status, check.stderr).toBe(0)
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, resources: ['https://api.example.com'] })
  })
})

describe('the compose tessera service, run against the launcher\'s PostgreSQL and Redis', () => {
  const adminUrl = serviceUrl('DATABASE_URL')
  const redisUrl = serviceUrl('REDIS_URL')
  if (!adminUrl || !redisUrl) return
  let server: Started | undefined
  let base = ''
  let metricsBase = ''
  let env: Record<string, string> = {}
  let argv: string[] = []
  let workdir = ''
  let dropDatabase: (() => Promise<void>) | undefined

  beforeAll(async () => {
    const database = await createTestDatabase(adminUrl)
    dropDatabase = database.drop
    const launcher: Record<string, string> = { postgres: database.url, redis: redisUrl }
    const [port, metricsPort] = [await freePort(), await freePort()]
    workdir = mkdtempSync(join(tmpdir(), 'tessera-compose-workdir-'))
    // Container paths → here: the compose bind mounts.
    const mounts = new Map<string, string>()
    for (const volume of tessera.volumes ?? []) {
      const [source = '', target = ''] = volume.split(':')
      if (source.startsWith('./')) mounts.set(target, join(ROOT, source))
    }
    const localPath = (value: string): string => {
      for (const [target, source] of mounts) {
        if (value === target || value.startsWith(`${target}/`)) return source + value.slice(target.length)
      }
      return value
    }
    const variables = { TESSERA_SECRET: SECRET, POSTGRES_PASSWORD: 'unused-here', TESSERA_ISSUER: `http://127.0.0.1:${port}` }
    const replaced: string[] = []
    const mapped = Object.entries({ ...imageEnv(), ...serviceEnvironment(tessera, variables) }).map(([name, value]) => {
      if (name === 'TESSERA_METRICS_PORT') return [name, String(metricsPort)]
      if (/^[a-z]+:\/\//.test(value)) {
        const service = launcher[new URL(value).hostname]
        if (service !== undefined) {
          replaced.push(name)
          return [name, service]
        }
      }
      return [name, localPath(value)]
    })
    env = { ...Object.fromEntries(mapped), TESSERA_PORT: String(port) }
    expect(replaced.sort()).toEqual(['DATABASE_URL', 'REDIS_URL'])
    const [node, entry = ''] = execForm(only(RUNTIME, 'ENTRYPOINT'))
    expect(node).toBe('node')
    const command = Array.isArray(tessera.command) ? (tessera.command as string[]) : execForm(only(RUNTIME, 'CMD'))
    argv = [join(ROOT, entry), ...command.map((arg, index) => (command[index - 1] === '--host' && arg === '0.0.0.0' ? '127.0.0.1' : localPath(arg)))]
    base = `http://127.0.0.1:${port}`
    metricsBase = `http://127.0.0.1:${metricsPort}`
    server = await startTessera(argv, env, workdir, base)
  })

  afterAll(async () => {
    await server?.stop()
    await dropDatabase?.()
    if (workdir) rmSync(workdir, { recursive: true, force: true })
  })

  it('answers /healthz, /readyz (PostgreSQL and Redis reached) and discovery for the configured issuer', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    const ready = await fetch(`${base}/readyz`)
    expect(ready.status, await ready.clone().text()).toBe(200)
    const discovery = await fetch(`${base}/.well-known/openid-configuration`)
    expect(discovery.status).toBe(200)
    expect(await discovery.json()).toMatchObject({ issuer: base, token_endpoint: `${base}/token`, jwks_uri: expect.stringMatching(`^${base}/`) })
    expect(server?.output()).toMatch(/"store":"postgres"/)
  })

  it('serves the metrics on their own port, not on the public one', async () => {
    expect((await fetch(`${metricsBase}/metrics`)).status).toBe(200)
    expect((await fetch(`${base}/metrics`)).status).not.toBe(200)
  })

  it('issues a client-credentials token for the configured API that verifies against the JWKS', async () => {
    // The README's `docker compose run --rm tessera client create …`: the same entry point and environment.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const shown = /^docker compose run --rm tessera (client create .*)$/m.exec(readme)?.[1]?.split(' ') ?? []
    expect(shown).toEqual(expect.arrayContaining(['--grant', 'client_credentials', '--scope', 'orders:read']))
    // Not spawnSync: a blocked event loop would miss the server closing an idle keep-alive socket, and
    // the next fetch would reuse it ("other side closed").
    const created = await run(process.execPath, [argv[0] ?? '', ...shown, '--json'], { env, cwd: workdir, encoding: 'utf8' })
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string }
    const metadata = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as { token_endpoint: string; jwks_uri: string }
    const response = await fetch(metadata.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'orders:read', resource: 'https://api.example.com' }).toString(),
    })
    const body = (await response.json()) as { access_token?: string; scope?: string }
    expect(response.status, JSON.stringify(body)).toBe(200)
    const { payload } = await jwtVerify(body.access_token ?? '', createRemoteJWKSet(new URL(metadata.jwks_uri)), { issuer: base, audience: 'https://api.example.com' })
    expect(payload).toMatchObject({ client_id: client.client_id, scope: 'orders:read' })
  })

  it('writes nothing to its working directory when PostgreSQL is the store (the compose root file system is read-only)', () => {
    expect(readdirSync(workdir)).toEqual([])
  })

  it('passes the Dockerfile HEALTHCHECK, which fails where nothing listens', async () => {
    expect(runHealthcheck({ TESSERA_PORT: env.TESSERA_PORT })).toBe(0)
    expect(runHealthcheck({ TESSERA_PORT: String(await freePort()) })).toBe(1)
  })
})

describe('the image\'s own command, as the README\'s docker run starts it', () => {
  it('keeps SQLite and its files in the /data volume, linked from WORKDIR, and passes the HEALTHCHECK', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const args = /^docker run .* tessera (serve .*)$/m.exec(readme)?.[1]?.split(' ') ?? []
    expect(args[0]).toBe('serve')
    // `ln -s /data /app/data` of the runtime stage, with a temporary folder for each side.
    const link = RUNTIME.map((entry) => /\bln -s (\S+) (\S+)/.exec(entry.args)).find((match) => match !== null)
    const workdir = only(RUNTIME, 'WORKDIR')
    expect(link?.[1]).toBe(only(RUNTIME, 'VOLUME'))
    expect(link?.[2]?.startsWith(`${workdir}/`)).toBe(true)
    const app = mkdtempSync(join(tmpdir(), 'tessera-image-app-'))
    const volume = mkdtempSync(join(tmpdir(), 'tessera-image-data-'))
    symlinkSync(volume, join(app, (link?.[2] ?? '').slice(workdir.length + 1)))
    const port = await freePort()
    const env = { ...imageEnv(), TESSERA_SECRET: SECRET, TESSERA_PORT: String(port) }
    const [, entry = ''] = execForm(only(RUNTIME, 'ENTRYPOINT'))
    const argv = [join(ROOT, entry), ...args.map((arg, index) => (args[index - 1] === '--host' && arg === '0.0.0.0' ? '127.0.0.1' : arg))]
    const server = await startTessera(argv, env, app, `http://localhost:${port}`)
    try {
      expect(runHealthcheck({ TESSERA_PORT: String(port) })).toBe(0)
      expect(readdirSync(volume)).toContain('tessera.db')
      expect(readdirSync(app)).toEqual(['data'])
    } finally {
      await server.stop()
      rmSync(app, { recursive: true, force: true })
      rmSync(volume, { recursive: true, force: true })
    }
  })
})

describe('Dockerfile', () => {
  it('builds in one stage and runs in another on the same pinned Node 20 slim base', () => {
    expect(STAGES.length).toBeGreaterThanOrEqual(2)
    const bases = STAGES.map((stage) => stage[0]?.args.split(/\s+/)[0])
    expect(new Set(bases)).toEqual(new Set(['node:20-bookworm-slim']))
    const buildRuns = BUILD.filter((entry) => entry.keyword === 'RUN').map((entry) => entry.args).join('\n')
    expect(buildRuns).toMatch(/npm ci\b/)
    expect(buildRuns).toMatch(/npm run build/)
    expect(buildRuns).toMatch(/npm prune --omit=dev|npm ci --omit=dev/)
    expect(RUNTIME.filter((entry) => entry.keyword === 'RUN').map((entry) => entry.args).join('\n')).not.toMatch(/npm (ci|install)/)
  })

  it('runs as a user other than root, with a /data volume, port 4000 and a health check on /healthz', () => {
    expect(only(RUNTIME, 'USER')).not.toMatch(/^(root|0)(:|$)/)
    expect(only(RUNTIME, 'VOLUME')).toBe('/data')
    expect(only(RUNTIME, 'EXPOSE')).toBe('4000')
    expect(only(RUNTIME, 'HEALTHCHECK')).toMatch(/CMD \["node", .*\/healthz/)
    // The default SQLite file ./data/tessera.db of WORKDIR is in the volume.
    expect(only(RUNTIME, 'WORKDIR')).toBe('/app')
    expect(RUNTIME.some((entry) => entry.keyword === 'RUN' && /\bln -s \/data \/app\/data\b/.test(entry.args))).toBe(true)
  })

  it('sets no environment that would override the configuration file', () => {
    expect(Object.keys(imageEnv()).filter((name) => name.startsWith('TESSERA_') || name === 'DATABASE_URL' || name === 'REDIS_URL')).toEqual([])
  })

  it('starts the built CLI with serve flags that tessera-oidc serve accepts', () => {
    const [, entry = ''] = execForm(only(RUNTIME, 'ENTRYPOINT'))
    expect(existsSync(join(ROOT, entry)), `${entry} after npm run build`).toBe(true)
    const command = execForm(only(RUNTIME, 'CMD'))
    expect(command[0]).toBe('serve')
    const accepted = serveFlags()
    for (const flag of command.filter((arg) => arg.startsWith('--'))) expect(accepted).toContain(flag)
  })

  it('.dockerignore lets in only what the build stage copies', () => {
    const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))
    expect(lines[0]).toBe('*')
    const copied = BUILD.filter((entry) => entry.keyword === 'COPY').flatMap((entry) => entry.args.split(/\s+/).slice(0, -1))
    expect(lines.slice(1).map((line) => line.replace(/^!/, '')).sort()).toEqual([...copied].sort())
  })
})

describe('deploy/tessera.service', () => {
  const directives = new Map<string, string[]>()
  for (const line of UNIT.split('\n')) {
    const match = /^(\w+)=(.*)$/.exec(line.trim())
    if (match?.[1]) directives.set(match[1], [...(directives.get(match[1]) ?? []), match[2] ?? ''])
  }
  const one = (name: string): string | undefined => directives.get(name)?.[0]

  it('starts tessera-oidc serve with the configuration file and only flags that serve accepts', () => {
    const exec = (one('ExecStart') ?? '').split(/\s+/)
    expect(exec.slice(1, 3)).toEqual(['/opt/tessera/dist/cli/main.js', 'serve'])
    expect(exec[exec.indexOf('--config') + 1]).toBe('/etc/tessera/tessera.config.json')
    const accepted = serveFlags()
    const flags = exec.filter((arg) => arg.startsWith('--'))
    expect(flags.length).toBeGreaterThan(0)
    for (const flag of flags) expect(accepted).toContain(flag)
  })

  it('runs as a dedicated user, secrets from /etc/tessera/env, hardened, writing only its state directory', () => {
    expect(one('User')).toBe('tessera')
    expect(one('EnvironmentFile')).toBe('/etc/tessera/env')
    expect(one('ReadWritePaths')).toBe('/var/lib/tessera')
    const hardening: ReadonlyArray<readonly [string, string]> = [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['CapabilityBoundingSet', '']]
    for (const [name, value] of hardening) {
      expect(one(name), name).toBe(value)
    }
    expect((directives.get('Environment') ?? []).join(' ')).not.toMatch(/TESSERA_SECRET/)
  })
})
