import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMcpApp } from '../../examples/mcp-server/app.js'
import type { DoctorReport } from '../../src/doctor/index.js'
import { generateSigningKey } from '../../src/jwt/keys.js'
import { TESSERA_BIN, startServe, type ServeProcess } from '../helpers/cli.js'

/**
 * Black-box: the built `tessera-oidc doctor` against the built `tessera-oidc serve --registration open`, against the
 * MCP example server it protects, and against a deliberately misconfigured target served by this test.
 * The command runs as a child process without blocking: the targets answer from this process.
 */

const env = { ...process.env, TESSERA_SECRET: 'doctor-test-secret-doctor-test-secret-0123', TESSERA_LOG_LEVEL: 'warn' }
let dir: string
let tessera: ServeProcess
let mcp: Server
let resource: string
let bad: Server
let badOrigin: string

function doctor(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TESSERA_BIN, 'doctor', ...args], { env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.once('error', reject)
    child.once('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })
}

async function report(...args: string[]): Promise<{ status: number | null; report: DoctorReport }> {
  const result = await doctor(...args, '--json')
  expect(result.stderr).toBe('')
  return { status: result.status, report: JSON.parse(result.stdout) as DoctorReport }
}

function statuses(report: DoctorReport): Record<string, string[]> {
  const byId: Record<string, string[]> = {}
  for (const check of report.checks) (byId[check.id] ??= []).push(check.status)
  return byId
}

/** The misconfigured deployment: an MCP server and two authorization servers, each with its faults. */
function misconfiguredRoutes(origin: string, privateJwk: object): Record<string, { status?: number; headers?: Record<string, string>; body?: unknown }> {
  const as1 = `${origin}/as1`
  const as2 = `${origin}/as2`
  return {
    // 401 without resource_metadata; the metadata is only at the well-known location, and names another resource.
    'POST /mcp': { status: 401, headers: { 'www-authenticate': 'Bearer realm="mcp", scope="mcp:tools"' } },
    'GET /.well-known/oauth-protected-resource/mcp': {
      body: { resource: `${origin}/other`, authorization_servers: [as1, as2], scopes_supported: ['mcp:tools'], bearer_methods_supported: ['header'] },
    },
    'GET /.well-known/oauth-authorization-server/as1': {
      body: {
        issuer: `${origin}/as-one`,
        authorization_endpoint: `${as1}/authorize`,
        token_endpoint: 'http://as.example.com/token',
        jwks_uri: `${as1}/missing-jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['plain'],
        scopes_supported: ['mcp:tools'],
      },
    },
    'GET /.well-known/oauth-authorization-server/as2': {
      body: {
        issuer: as2,
        authorization_endpoint: `${as2}/authorize`,
        token_endpoint: `${as2}/token`,
        jwks_uri: `${as2}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        resource_indicators_supported: true,
        client_id_metadata_document_supported: true,
        scopes_supported: ['openid', 'mcp:tools'],
      },
    },
    // Accepts any client: the doctor only looks at whether the request is refused.
    'GET /as2/authorize': { status: 303, headers: { location: `${as2}/login` } },
    'GET /client.json': { body: { client_id: `${origin}/client.json`, client_name: 'doctor test', redirect_uris: ['http://127.0.0.1:9/cb'] } },
    'GET /wrong-client.json': { body: { client_id: `${origin}/client.json`, redirect_uris: ['http://127.0.0.1:9/cb'] } },
    // Served elsewhere: the doctor reports the redirect instead of following it.
    'GET /as2/.well-known/openid-configuration': { status: 302, headers: { location: `${origin}/elsewhere` } },
    'GET /as2/jwks': { body: { keys: [privateJwk] } },
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-doctor-'))
  // The MCP server listens first: its URL is the resource Tessera must know when it starts.
  const target: { app?: ReturnType<typeof createMcpApp> } = {}
  mcp = await new Promise<Server>((resolve) => {
    const http = serve({ fetch: (request) => (target.app ? target.app.fetch(request) : new Response(null, { status: 503 })), port: 0, hostname: '127.0.0.1' }, () => resolve(http as Server))
  })
  resource = `http://127.0.0.1:${(mcp.address() as AddressInfo).port}/mcp`
  tessera = await startServe(join(dir, 'tessera.db'), ['--no-seed', '--registration', 'open'], { ...env, TESSERA_MCP_RESOURCE: resource })
  target.app = createMcpApp({ issuer: tessera.url, resource })

  const { privateJwk } = await generateSigningKey('ES256')
  let routes: ReturnType<typeof misconfiguredRoutes> = {}
  bad = createServer((request, response) => {
    request.resume()
    const route = routes[`${request.method ?? ''} ${new URL(request.url ?? '/', badOrigin).pathname}`]
    if (!route) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}')
      return
    }
    response.writeHead(route.status ?? 200, { ...(route.body !== undefined ? { 'content-type': 'application/json' } : {}), ...route.headers })
    response.end(route.body !== undefined ? JSON.stringify(route.body) : undefined)
  })
  await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', resolve))
  badOrigin = `http://127.0.0.1:${(bad.address() as AddressInfo).port}`
  routes = misconfiguredRoutes(badOrigin, privateJwk)
}, 60_000)

afterAll(async () => {
  for (const server of [mcp, bad]) {
    await new Promise<void>((resolve) => {
      if (!server) return resolve()
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
  await tessera?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('tessera-oidc doctor', () => {
  it('passes against tessera-oidc serve, registering a throwaway client and deleting it', async () => {
    const { status, report: result } = await report(tessera.url)
    expect(status).toBe(0)
    expect(result).toMatchObject({ target: tessera.url, kind: 'authorization-server', ok: true, summary: { fail: 0, warn: 0 } })
    const byId = statuses(result)
    for (const id of ['as.metadata', 'as.openid-configuration', 'as.issuer', 'as.issuer-identifier', 'as.endpoints-https', 'as.response-types', 'as.pkce-s256', 'as.iss-parameter', 'as.jwks', 'as.registration', 'as.registration-delete']) {
      expect(byId[id], id).toEqual(['pass'])
    }
    expect(byId['as.jwks-key']?.length).toBeGreaterThan(0)
    expect(byId['as.jwks-key']?.every((status) => status === 'pass')).toBe(true)
    // The throwaway client is gone: its configuration endpoint no longer knows it.
    const registration = result.checks.find((check) => check.id === 'as.registration-delete')
    expect((await fetch(registration?.subject ?? '')).status).toBe(401)

    const text = await doctor(tessera.url, '--no-write')
    expect(text.status).toBe(0)
    expect(text.stdout).toContain(`authorization server ${tessera.url}`)
    expect(text.stdout).toMatch(/skip\s+as\.registration\s/)
    expect(text.stdout).toMatch(/\d+ passed, 0 warnings, 0 failed, 1 skipped\n$/)
  }, 60_000)

  it('passes against the MCP example server, following its challenge to Tessera', async () => {
    const { status, report: result } = await report(resource)
    expect(status).toBe(0)
    expect(result).toMatchObject({ target: resource, kind: 'protected-resource', ok: true, summary: { fail: 0, warn: 0 } })
    const byId = statuses(result)
    for (const id of ['rs.challenge', 'rs.www-authenticate', 'rs.resource-metadata-param', 'rs.metadata', 'rs.resource', 'rs.authorization-servers', 'rs.scopes-supported', 'rs.bearer-methods', 'rs.audience', 'as.issuer', 'as.pkce-s256', 'as.registration', 'as.registration-delete']) {
      expect(byId[id], id).toEqual(['pass'])
    }
    expect(result.checks.find((check) => check.id === 'as.issuer')?.server).toBe(tessera.url)
  }, 60_000)

  it('names each fault of a misconfigured deployment by its check id, with a fix, and exits 1', async () => {
    const { status, report: result } = await report(`${badOrigin}/mcp`)
    expect(status).toBe(1)
    expect(result).toMatchObject({ target: `${badOrigin}/mcp`, kind: 'protected-resource', ok: false })
    expect(Object.keys(result.summary).sort()).toEqual(['fail', 'pass', 'skip', 'warn'])
    for (const check of result.checks) {
      expect(Object.keys(check).every((key) => ['id', 'status', 'subject', 'server', 'message', 'fix', 'spec'].includes(key))).toBe(true)
      if (check.status === 'fail') expect(check.fix, check.id).toMatch(/\S/)
    }
    const find = (id: string, server?: string) => result.checks.filter((check) => check.id === id && (server === undefined || check.server === server))
    const as1 = `${badOrigin}/as1`
    const as2 = `${badOrigin}/as2`
    expect(find('rs.resource-metadata-param')).toMatchObject([{ status: 'fail', fix: expect.stringContaining(`resource_metadata="${badOrigin}/.well-known/oauth-protected-resource/mcp"`) }])
    expect(find('rs.resource')).toMatchObject([{ status: 'fail', fix: expect.stringContaining(`set resource to "${badOrigin}/mcp"`) }])
    expect(find('as.issuer', as1)).toMatchObject([{ status: 'fail', fix: expect.stringContaining(`set issuer to "${as1}"`) }])
    expect(find('as.endpoints-https', as1)).toMatchObject([{ status: 'fail', message: expect.stringContaining('token_endpoint "http://as.example.com/token"'), fix: expect.stringContaining('set token_endpoint to "https://as.example.com/token"') }])
    expect(find('as.pkce-s256', as1)).toMatchObject([{ status: 'fail' }])
    expect(find('as.iss-parameter', as1)).toMatchObject([{ status: 'warn', fix: expect.stringContaining('authorization_response_iss_parameter_supported') }])
    expect(find('as.jwks', as1)).toMatchObject([{ status: 'fail', subject: `${as1}/missing-jwks` }])
    expect(find('as.jwks-key', as2)).toMatchObject([{ status: 'fail', message: expect.stringContaining('private members d') }])
    expect(find('as.openid-configuration', as2)).toMatchObject([{ status: 'warn', message: expect.stringContaining(`redirects (302) to ${badOrigin}/elsewhere`) }])
    // What is right is not reported as wrong.
    for (const id of ['as.issuer', 'as.endpoints-https', 'as.pkce-s256', 'as.iss-parameter']) expect(find(id, as2), id).toMatchObject([{ status: 'pass' }])
    expect(find('rs.metadata')).toMatchObject([{ status: 'pass' }])
    expect(find('rs.authorization-servers').map((check) => check.status)).toEqual(['pass', 'pass'])

    const text = await doctor(`${badOrigin}/mcp`)
    expect(text.status).toBe(1)
    for (const id of ['rs.resource-metadata-param', 'rs.resource', 'as.issuer', 'as.endpoints-https', 'as.pkce-s256', 'as.jwks', 'as.jwks-key']) expect(text.stdout).toMatch(new RegExp(`FAIL\\s+${id.replace('.', '\\.')}\\s`))
    expect(text.stdout).toMatch(/WARN\s+as\.iss-parameter\s/)
    expect(text.stdout).toContain(`fix: set resource to "${badOrigin}/mcp"`)
  }, 60_000)

  it('reports client ID metadata documents as advertised, and tries one given with --client-metadata-url', async () => {
    const as2 = `${badOrigin}/as2`
    const advertised = (await report(as2)).report.checks.filter((check) => check.id === 'as.client-id-metadata-document')
    expect(advertised).toMatchObject([{ status: 'pass', message: expect.stringContaining('not exercised') }])
    const tried = await report(as2, '--client-metadata-url', `${badOrigin}/client.json`)
    expect(tried.report.checks.filter((check) => check.id === 'as.client-id-metadata-document')).toMatchObject([{ status: 'pass', message: expect.stringContaining('accepted') }])
    const wrong = await report(as2, '--client-metadata-url', `${badOrigin}/wrong-client.json`)
    expect(wrong.report.checks.filter((check) => check.id === 'as.client-id-metadata-document')).toMatchObject([{ status: 'fail', fix: expect.stringContaining(`"client_id": "${badOrigin}/wrong-client.json"`) }])
  }, 60_000)

  it('warns that registration needs an initial access token, and registers with --registration-token', async () => {
    const db = join(dir, 'token.db')
    const server = await startServe(db, ['--no-seed', '--registration', 'token'], env)
    try {
      const without = (await report(server.url)).report.checks.find((check) => check.id === 'as.registration')
      expect(without).toMatchObject({ status: 'warn', fix: expect.stringContaining('--registration-token') })
      const created = spawnSync(process.execPath, [TESSERA_BIN, 'registration', 'token', 'create', '--json', '--db', db], { env, encoding: 'utf8', timeout: 30_000 })
      expect(created.status, created.stderr).toBe(0)
      const token = (JSON.parse(created.stdout) as { initial_access_token: string }).initial_access_token
      const { status, report: result } = await report(server.url, '--registration-token', token)
      expect(status).toBe(0)
      expect(statuses(result)).toMatchObject({ 'as.registration': ['pass'], 'as.registration-delete': ['pass'] })
      // The token was good for one registration: the doctor's.
      expect((await report(server.url, '--registration-token', token)).report.checks.find((check) => check.id === 'as.registration')).toMatchObject({ status: 'fail' })
    } finally {
      await server.stop()
    }
  }, 60_000)

  it('fails on a URL that is neither an authorization server nor a protected resource', async () => {
    const { status, report: result } = await report(`${badOrigin}/nothing`)
    expect(status).toBe(1)
    expect(result).toMatchObject({ kind: 'unknown', ok: false, checks: [{ id: 'target', status: 'fail' }] })
  }, 30_000)

  it('answers a usage error with exit 2', async () => {
    for (const args of [[], ['not a url'], ['ftp://example.com/'], [tessera.url, '--frobnicate'], [tessera.url, tessera.url], [tessera.url, '--timeout', 'soon']]) {
      const result = await doctor(...args)
      expect(result.status, args.join(' ')).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/^tessera-oidc: /)
    }
  }, 60_000)
})
