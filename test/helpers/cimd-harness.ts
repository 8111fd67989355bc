/**
 * The wave-2 catalogue's CIMD fixtures (§0.4) on loopback: a throwaway CA and an https "CIMD harness" on
 * `PUB = 127.0.0.2` serving scripted client ID metadata documents and logging every request, a resolver
 * mapping the catalogue's names (`cimd.test`, `attacker.test` … → PUB; `internal.test` → 127.0.0.1;
 * `mixed.test` → PUB and 10.0.0.5; `v6only.test` → ::1), and a capture server on 127.0.0.1 counting TCP
 * connections. `outbound` is the server's policy for them: PUB treated as public, the test CA trusted.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { OutboundPolicy } from '../../src/http/guarded-fetch.js'

export const PUB = '127.0.0.2'

const NAMES: Record<string, readonly string[]> = {
  'cimd.test': [PUB], 'app.cimd.test': [PUB], 'attacker.test': [PUB], 'other.test': [PUB], 'third.test': [PUB],
  'internal.test': ['127.0.0.1'], 'mixed.test': [PUB, '10.0.0.5'], 'v6only.test': ['::1'], localhost: ['127.0.0.1', '::1'],
}

/** A scripted answer of the harness. */
export interface ScriptedDocument {
  status?: number
  headers?: Record<string, string>
  body: string | Buffer
  /** Milliseconds before answering; `Infinity` never answers. */
  delayMs?: number
}

export interface CimdHarness {
  /** Port of the https harness on PUB (and of every name that resolves to PUB). */
  port: number
  /** Origin of `cimd.test` on the harness: `https://cimd.test:PORT`. */
  origin: string
  /** Port of the capture server on 127.0.0.1. */
  capturePort: number
  /** TCP connections the capture server has seen. */
  connections(): number
  /** Request paths the harness has seen, with their `Host`. */
  requests: { host: string; path: string }[]
  /** Serves `document` (an object is sent as JSON) at `path`; returns the URL on `host` (default cimd.test). */
  serve(path: string, document: ScriptedDocument | Record<string, unknown>, host?: string): string
  /** The server's outbound policy for this harness. */
  outbound: Omit<OutboundPolicy, 'allowLoopback'>
  close(): Promise<void>
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)))
}

export async function startCimdHarness(): Promise<CimdHarness> {
  const folder = mkdtempSync(join(tmpdir(), 'tessera-cimd-'))
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: folder, stdio: 'ignore' })
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Tessera CIMD test CA')
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=cimd.test')
  const names = Object.keys(NAMES).filter((name) => name !== 'localhost').map((name) => `DNS:${name}`).join(',')
  writeFileSync(join(folder, 'ext.cnf'), `subjectAltName=${names},IP:${PUB}\n`)
  run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1', '-extfile', 'ext.cnf')
  const ca = readFileSync(join(folder, 'ca.pem'), 'utf8')
  const documents = new Map<string, ScriptedDocument>()
  const requests: { host: string; path: string }[] = []
  const https = createHttpsServer({ key: readFileSync(join(folder, 'leaf.key')), cert: readFileSync(join(folder, 'leaf.pem')) }, (request, response) => {
    const host = (request.headers.host ?? '').replace(/:\d+$/, '')
    requests.push({ host, path: request.url ?? '' })
    const scripted = documents.get(`${host}${request.url ?? ''}`)
    if (!scripted) return void response.writeHead(404).end()
    const answer = () => response.writeHead(scripted.status ?? 200, { 'content-type': 'application/json', ...scripted.headers }).end(scripted.body)
    if (scripted.delayMs === Infinity) return
    if (scripted.delayMs) setTimeout(answer, scripted.delayMs)
    else answer()
  })
  const port = await listen(https, PUB)
  let connections = 0
  const capture = createTcpServer((socket) => {
    connections++
    socket.destroy()
  })
  const capturePort = await listen(capture, '127.0.0.1')
  return {
    port,
    origin: `https://cimd.test:${port}`,
    capturePort,
    connections: () => connections,
    requests,
    serve(path, document, host = 'cimd.test') {
      const scripted = 'body' in document && (typeof document.body === 'string' || Buffer.isBuffer(document.body)) ? (document as ScriptedDocument) : { body: JSON.stringify(document) }
      documents.set(`${host}${path}`, scripted)
      return `https://${host}:${port}${path}`
    },
    outbound: {
      publicAddresses: [PUB],
      resolve: (hostname) => Promise.resolve(NAMES[hostname.toLowerCase()] ?? []),
      ca,
    },
    async close() {
      https.closeAllConnections()
      await Promise.all([new Promise((resolve) => https.close(resolve)), new Promise((resolve) => capture.close(resolve))])
      rmSync(folder, { recursive: true, force: true })
    },
  }
}
