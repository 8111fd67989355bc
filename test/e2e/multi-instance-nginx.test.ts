/**
 * The README's example, run: examples/nginx/tessera.conf (ports changed to free ones) in front of two
 * `tessera-oidc serve` processes on one PostgreSQL database and one Redis, with nginx from Debian. A browser
 * and a client that only know the issuer run the code flow, refresh and revocation through it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, serviceUrl } from '../storage/services.js'
import {
  authorizeCode, Browser, clientRequest, freePort, isActive, redeemCode, redisDatabase, refresh, seedDatabase, startInstance, waitFor,
  type FaultClient, type Instance, type TokenResponse,
} from '../faults/instances.js'

const NGINX = '/usr/sbin/nginx'
const adminUrl = serviceUrl('DATABASE_URL')
const sharedRedis = serviceUrl('REDIS_URL')

/** The example with its three addresses replaced, checked so that a changed example fails here loudly. */
function exampleConfig(listen: number, upstreams: [number, number]): string {
  const example = readFileSync(join(process.cwd(), 'examples/nginx/tessera.conf'), 'utf8')
  const replacements: [string, string][] = [
    ['listen 127.0.0.1:8080;', `listen 127.0.0.1:${listen};`],
    ['server 127.0.0.1:4001 ', `server 127.0.0.1:${upstreams[0]} `],
    ['server 127.0.0.1:4002 ', `server 127.0.0.1:${upstreams[1]} `],
  ]
  let config = example
  for (const [from, to] of replacements) {
    if (!config.includes(from)) throw new Error(`examples/nginx/tessera.conf no longer contains "${from}"`)
    config = config.replace(from, to)
  }
  return config
}

/** The main configuration around the example: in the foreground, everything in `dir`, upstreams logged. */
function mainConfig(dir: string): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
${process.getuid?.() === 0 ? `user ${userInfo().username};` : ''}
events { worker_connections 64; }
http {
  log_format upstreams '$request_method $uri $status $upstream_addr';
  access_log ${dir}/access.log upstreams;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/tessera.conf;
}
`
}

if (adminUrl && sharedRedis) {
  describe('two instances behind nginx (examples/nginx/tessera.conf)', { timeout: 90_000 }, () => {
    let database: { url: string; drop: () => Promise<void> }
    let instances: Instance[] = []
    let nginx: ChildProcess | undefined
    let dir: string
    let issuer: string
    let client: FaultClient

    beforeAll(async () => {
      if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: run \`npm test\` (it installs it as root), or install it with: sudo apt-get install -y nginx`)
      dir = mkdtempSync(join(tmpdir(), 'tessera-nginx-'))
      database = await createTestDatabase(adminUrl)
      client = await seedDatabase(database.url)
      const listen = await freePort()
      issuer = `http://127.0.0.1:${listen}`
      const ports: [number, number] = [await freePort(), await freePort()]
      const redisUrl = redisDatabase(sharedRedis, 5)
      instances = await Promise.all(ports.map((port) =>
        startInstance({ databaseUrl: database.url, redisUrl, issuer, port, args: ['--trusted-proxy', '127.0.0.1'] })))
      writeFileSync(join(dir, 'tessera.conf'), exampleConfig(listen, ports))
      writeFileSync(join(dir, 'nginx.conf'), mainConfig(dir))
      let output = ''
      const started = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] })
      nginx = started
      started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
      started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
      await waitFor('nginx to answer', async () => {
        if (started.exitCode !== null) throw new Error(`nginx exited: ${output}`)
        return (await fetch(`${issuer}/readyz`)).status === 200
      }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${output}\n${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`)
      })
    })
    afterAll(async () => {
      if (nginx && nginx.exitCode === null) {
        const exited = new Promise((resolve) => nginx?.once('exit', resolve))
        nginx.kill('SIGQUIT')
        await exited
      }
      await Promise.all(instances.map((instance) => instance.stop()))
      await database?.drop()
      if (dir) rmSync(dir, { recursive: true, force: true })
    })

    it('runs the code flow, refresh and revocation through nginx, served by both instances', async () => {
      const metadata = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; token_endpoint: string }
      expect(metadata.issuer).toBe(issuer)
      expect(metadata.token_endpoint).toBe(`${issuer}/token`)

      const browser = new Browser()
      const authorized = await authorizeCode(() => issuer, issuer, client, browser)
      const response = await redeemCode(issuer, client, authorized)
      expect(response.status, await response.clone().text()).toBe(200)
      const tokens = (await response.json()) as TokenResponse
      const rotated = await refresh(issuer, client, tokens.refresh_token ?? '')
      expect(rotated.status).toBe(200)
      const next = (await rotated.json()) as TokenResponse
      // The demo API of either instance checks the token against the issuer's JWKS, fetched through nginx.
      const notes = await fetch(`${issuer}/api/notes`, { headers: { authorization: `Bearer ${next.access_token}` } })
      expect(notes.status, await notes.clone().text()).toBe(200)
      expect(await isActive(issuer, client, next.access_token)).toBe(true)
      expect((await clientRequest(issuer, '/revoke', client, { token: next.refresh_token ?? '' })).status).toBe(200)
      expect(await isActive(issuer, client, next.access_token)).toBe(false)
      expect((await refresh(issuer, client, next.refresh_token ?? '')).status).toBe(400)

      // nginx spread the requests over both instances, the login pages included.
      const log = readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n')
      for (const instance of instances) expect(log.some((line) => line.endsWith(`127.0.0.1:${instance.port}`))).toBe(true)
      const interaction = log.filter((line) => line.includes(' /interaction/')).map((line) => line.split(' ').pop())
      expect(new Set(interaction).size).toBe(2)
    })
  })
}
