import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One POST the receiver got. */
export interface ReceivedLogout {
  path: string
  headers: IncomingMessage['headers']
  body: string
}

/** How the receiver answers a path: a status, after a delay, or a redirect. */
export interface ReceiverScript {
  status?: number
  /** Milliseconds before answering (a hung relying party). */
  delayMs?: number
  location?: string
}

/**
 * The catalogue's logout receiver (wave 2 §0.4) on loopback: records every request with its body and
 * answers each path as scripted (default 200). Also counts TCP connections, so "no fetch" shows.
 */
export interface LogoutReceiver {
  origin: string
  received: ReceivedLogout[]
  connections: () => number
  script(path: string, script: ReceiverScript): void
  close(): Promise<void>
}

export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const received: ReceivedLogout[] = []
  const scripts = new Map<string, ReceiverScript>()
  let connections = 0
  const timers = new Set<NodeJS.Timeout>()
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      const script = scripts.get(path) ?? {}
      const answer = (): void => {
        if (res.destroyed) return
        res.writeHead(script.status ?? 200, script.location ? { location: script.location } : {}).end()
      }
      if (script.delayMs) {
        const timer = setTimeout(answer, script.delayMs)
        timers.add(timer)
      } else answer()
    })
  })
  http.on('connection', () => connections++)
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    received,
    connections: () => connections,
    script: (path, script) => scripts.set(path, script),
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      http.closeAllConnections()
      await new Promise((resolve) => http.close(resolve))
    },
  }
}
