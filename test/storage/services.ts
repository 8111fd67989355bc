import { randomBytes } from 'node:crypto'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import pg from 'pg'
import { it } from 'vitest'

const HOW_TO_START = 'Run `npm test` (it starts throwaway PostgreSQL and Redis servers), or run these suites with ' +
  '`node scripts/services.mjs -- npx vitest run test/storage`.'

/**
 * The URL of a server the suite needs, from the environment. When it is missing the suite does not skip:
 * it registers one failing test that names the command that provides the server.
 */
export function serviceUrl(name: 'DATABASE_URL' | 'REDIS_URL'): string | undefined {
  const url = process.env[name]
  if (url) return url
  const server = name === 'DATABASE_URL' ? 'PostgreSQL' : 'Redis'
  it(`has a ${server} server (${name})`, () => {
    throw new Error(`${name} is not set: this suite runs against a real ${server} server. ${HOW_TO_START}`)
  })
  return undefined
}

/** A uniquely named database on the server of `adminUrl`, for one test file; `drop()` removes it. */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tessera_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return { url: url.href, drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}

async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/**
 * Empties every Tessera table of the database (the migration bookkeeping stays). DELETE rather than
 * TRUNCATE: on a few rows it is ten times faster. A table still referenced by a foreign key is retried
 * after the others.
 */
export async function emptyAllTables(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'kysely_%'",
    )
    let pending = rows.map((row) => row.tablename)
    while (pending.length > 0) {
      const referenced: string[] = []
      for (const table of pending) {
        await client.query(`DELETE FROM "${table}"`).catch((error: unknown) => {
          if ((error as { code?: unknown }).code !== '23503') throw error
          referenced.push(table)
        })
      }
      if (referenced.length === pending.length) throw new Error(`cannot empty ${referenced.join(', ')}: foreign keys form a cycle`)
      pending = referenced
    }
  } finally {
    await client.end()
  }
}

/** `url` with its host and port replaced, e.g. to go through a `TcpProxy`. */
export function withPort(url: string, port: number): string {
  const copy = new URL(url)
  copy.hostname = '127.0.0.1'
  copy.port = String(port)
  return copy.href
}

/**
 * A loopback TCP proxy to a server, to simulate an outage of a server the other suites share:
 * `interrupt()` closes every connection and refuses new ones, `resume()` accepts them again on the same port.
 */
export interface TcpProxy {
  readonly port: number
  interrupt(): Promise<void>
  resume(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl)
  const targetPort = Number(target.port)
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0

  function listen(): Promise<void> {
    const next = createServer((client) => {
      const upstream = createConnection({ host: target.hostname, port: targetPort })
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        socket.on('error', () => undefined)
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    server = next
    return new Promise((resolve, reject) => {
      next.once('error', reject)
      next.listen(port, '127.0.0.1', () => {
        const address = next.address()
        if (address && typeof address === 'object') port = address.port
        resolve()
      })
    })
  }

  async function interrupt(): Promise<void> {
    const current = server
    server = undefined
    for (const socket of sockets) socket.destroy()
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()))
  }

  await listen()
  return {
    get port() {
      return port
    },
    interrupt,
    resume: listen,
    close: interrupt,
  }
}

/** Retries `attempt` until it resolves, for at most `ms`. */
export async function eventually<T>(attempt: () => Promise<T>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      return await attempt()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
