/**
 * The one SSRF guard (catalogue wave 2 §0.4, CM-02): special-use destinations are refused before any
 * connection, whatever the spelling of the address or the name that resolves to it; redirects are not
 * followed; size and time are bounded. `PUB = 127.0.0.2` stands in for a public address (test profile),
 * with a throwaway CA for its TLS certificate; the capture server counts every TCP connection.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { guardedFetch, OutboundRequestError, type OutboundErrorCode, type OutboundPolicy } from '../../src/http/guarded-fetch.js'
import { isSpecialUseAddress } from '../../src/http/special-use-addresses.js'

const PUB = '127.0.0.2'

type Handler = (request: IncomingMessage, response: ServerResponse) => void

const routes: Record<string, Handler> = {
  '/doc': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
  '/redirect': (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
  '/big': (_req, res) => res.writeHead(200).end('x'.repeat(5000)),
  '/big-chunked': (_req, res) => {
    res.writeHead(200)
    for (let i = 0; i < 10; i++) res.write('y'.repeat(1000))
    res.end()
  },
  '/gzip-bomb': (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(1_000_000))),
  '/gzip': (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('{"zipped":true}')),
  '/slow': () => undefined,
  '/echo': (req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => res.writeHead(200).end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] ?? null })))
  },
}

function route(request: IncomingMessage, response: ServerResponse): void {
  const handler = routes[request.url ?? '']
  if (handler) handler(request, response)
  else response.writeHead(404).end()
}

let folder: string
let ca: string
let https: ReturnType<typeof createHttpsServer>
let http: ReturnType<typeof createHttpServer>
let capture: Server
let httpsPort: number
let httpPort: number
let capturePort: number
let connections = 0

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)))
}

beforeAll(async () => {
  // A throwaway CA and a certificate for the names the resolver below maps to PUB.
  folder = mkdtempSync(join(tmpdir(), 'tessera-guard-'))
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: folder, stdio: 'ignore' })
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Tessera test CA')
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=cimd.test')
  readFileSync(join(folder, 'leaf.csr'))
  execFileSync('sh', ['-c', 'printf "subjectAltName=DNS:cimd.test,DNS:rebind.test,DNS:mixed.test,IP:127.0.0.2\\n" > ext.cnf'], { cwd: folder })
  run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1', '-extfile', 'ext.cnf')
  ca = readFileSync(join(folder, 'ca.pem'), 'utf8')
  https = createHttpsServer({ key: readFileSync(join(folder, 'leaf.key')), cert: readFileSync(join(folder, 'leaf.pem')) }, route)
  httpsPort = await listen(https, PUB)
  http = createHttpServer(route)
  httpPort = await listen(http, '127.0.0.1')
  capture = createTcpServer((socket) => {
    connections++
    socket.destroy()
  })
  capturePort = await listen(capture, '127.0.0.1')
})

afterAll(async () => {
  await Promise.all([https, http, capture].map((server) => new Promise((resolve) => server.close(resolve))))
  rmSync(folder, { recursive: true, force: true })
})

/** The catalogue's test resolver: names to addresses; `rebind.test` answers PUB once, then loopback. */
function testResolver(): OutboundPolicy['resolve'] {
  let rebinds = 0
  const names: Record<string, () => string[]> = {
    'cimd.test': () => [PUB],
    'internal.test': () => ['127.0.0.1'],
    'rebind.test': () => (rebinds++ === 0 ? [PUB] : ['127.0.0.1']),
    'mixed.test': () => [PUB, '10.0.0.5'],
    'v6only.test': () => ['::1'],
  }
  return async (hostname) => {
    const answer = names[hostname]
    if (!answer) throw new Error(`ENOTFOUND ${hostname}`)
    return answer()
  }
}

const testProfile = (): OutboundPolicy => ({ publicAddresses: [PUB], resolve: testResolver(), ca, timeoutMs: 2000 })

async function refusal(url: string, policy: OutboundPolicy, options: Parameters<typeof guardedFetch>[1] = {}): Promise<OutboundErrorCode> {
  const error = await guardedFetch(url, options, policy).then(() => undefined, (caught: unknown) => caught)
  expect(error).toBeInstanceOf(OutboundRequestError)
  return (error as OutboundRequestError).code
}

describe('isSpecialUseAddress (RFC 6890)', () => {
  it('knows loopback, private, link-local, CGN, documentation, multicast and the IPv6 forms embedding IPv4', () => {
    for (const address of ['127.0.0.1', '127.255.0.9', '0.0.0.0', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '192.0.2.1', '198.18.0.1', '224.0.0.1', '255.255.255.255', '::', '::1', '[::1]', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1', '2002:a00:1::', '2001::1', 'fe80::1', 'fd00::1', 'ff02::1', 'not-an-address']) {
      expect(isSpecialUseAddress(address), address).toBe(true)
    }
    for (const address of ['93.184.215.14', '8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '[2a00:1450:4001::200e]']) {
      expect(isSpecialUseAddress(address), address).toBe(false)
    }
  })
})

describe('guardedFetch', () => {
  it('fetches an https document from a public destination (PUB in the test profile)', async () => {
    const answer = await guardedFetch(`https://cimd.test:${httpsPort}/doc`, { headers: { accept: 'application/json' } }, testProfile())
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-type')).toBe('application/json')
    expect(new TextDecoder().decode(answer.body)).toBe('{"ok":true}')
    const posted = await guardedFetch(`https://cimd.test:${httpsPort}/echo`, { method: 'POST', headers: { 'content-type': 'application/jwt' }, body: 'a.b.c' }, testProfile())
    expect(JSON.parse(new TextDecoder().decode(posted.body))).toEqual({ method: 'POST', body: 'a.b.c', type: 'application/jwt' })
  })

  it('refuses URLs that are not https, carry user information or have no host, before any connection', async () => {
    const before = connections
    expect(await refusal(`http://127.0.0.1:${capturePort}/x`, testProfile())).toBe('invalid_url')
    expect(await refusal(`https://u:p@cimd.test:${httpsPort}/doc`, testProfile())).toBe('invalid_url')
    expect(await refusal('file:///etc/passwd', testProfile())).toBe('invalid_url')
    expect(await refusal('javascript:alert(1)', testProfile())).toBe('invalid_url')
    expect(await refusal('not a url', testProfile())).toBe('invalid_url')
    expect(connections).toBe(before)
  })

  it('refuses every spelling of a special-use address, and names resolving to one, without connecting (CM-02)', async () => {
    const before = connections
    for (const host of ['127.0.0.1', '127.1', '2130706433', '0x7f000001', '0177.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '10.0.0.1', '172.16.0.1', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '[fe80::1]', '[fd00::1]', 'internal.test', 'v6only.test', 'mixed.test']) {
      expect(await refusal(`https://${host}:${capturePort}/clients/c1.json`, testProfile()), host).toBe('forbidden_destination')
    }
    expect(connections).toBe(before)
  })

  it('checks the address the connection uses, so a name that rebinds to loopback gains nothing', async () => {
    const policy = testProfile()
    expect((await guardedFetch(`https://rebind.test:${httpsPort}/doc`, {}, policy)).status).toBe(200)
    const before = connections
    expect(await refusal(`https://rebind.test:${capturePort}/doc`, policy)).toBe('forbidden_destination')
    expect(connections).toBe(before)
  })

  it('counts nothing as public outside the test profile: PUB is loopback in production', async () => {
    expect(await refusal(`https://${PUB}:${httpsPort}/doc`, { ca })).toBe('forbidden_destination')
    expect(await refusal(`https://cimd.test:${httpsPort}/doc`, { ca, resolve: testResolver() })).toBe('forbidden_destination')
  })

  it('allows plain http and loopback only with the development switch, and still no other special-use address', async () => {
    const development: OutboundPolicy = { allowLoopback: true, timeoutMs: 2000 }
    expect((await guardedFetch(`http://127.0.0.1:${httpPort}/doc`, {}, development)).status).toBe(200)
    expect((await guardedFetch(`http://localhost:${httpPort}/doc`, {}, development)).status).toBe(200)
    expect(await refusal(`http://10.0.0.1:${httpPort}/doc`, development)).toBe('forbidden_destination')
    expect(await refusal(`https://169.254.169.254/latest/meta-data/`, development)).toBe('forbidden_destination')
    expect(await refusal(`http://mixed.test:${httpPort}/doc`, { ...development, resolve: testResolver() })).toBe('forbidden_destination')
  })

  it('never follows a redirect', async () => {
    expect(await refusal(`http://127.0.0.1:${httpPort}/redirect`, { allowLoopback: true })).toBe('redirect')
  })

  it('bounds the size, declared, streamed or decompressed, and decodes gzip within the bound', async () => {
    const development: OutboundPolicy = { allowLoopback: true, maxBytes: 4096 }
    expect(await refusal(`http://127.0.0.1:${httpPort}/big`, development)).toBe('too_large')
    expect(await refusal(`http://127.0.0.1:${httpPort}/big-chunked`, development)).toBe('too_large')
    expect(await refusal(`http://127.0.0.1:${httpPort}/gzip-bomb`, development)).toBe('too_large')
    const zipped = await guardedFetch(`http://127.0.0.1:${httpPort}/gzip`, {}, development)
    expect(new TextDecoder().decode(zipped.body)).toBe('{"zipped":true}')
  })

  it('gives up on a server that does not answer in time', async () => {
    const started = Date.now()
    expect(await refusal(`http://127.0.0.1:${httpPort}/slow`, { allowLoopback: true }, { timeoutMs: 300 })).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('reports a refused connection as unreachable', async () => {
    const closed = createTcpServer()
    const port = await listen(closed, '127.0.0.1')
    await new Promise((resolve) => closed.close(resolve))
    expect(await refusal(`http://127.0.0.1:${port}/doc`, { allowLoopback: true })).toBe('unreachable')
  })
})
