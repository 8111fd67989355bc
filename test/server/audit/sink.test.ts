import { pino, type Logger } from 'pino'
import { describe, expect, it } from 'vitest'
import { createAuditSink, DEFAULT_AUDIT_RETENTION, MAX_QUEUED_AUDIT_RECORDS } from '../../../src/server/audit/sink.js'
import { resolveConfig } from '../../../src/server/config.js'
import { createMemoryStore } from '../../../src/storage/memory.js'
import type { AuditRecord, AuditStore } from '../../../src/storage/types.js'

const NOW = 1_700_000_000

function capture(): { lines: Record<string, unknown>[]; logger: Logger } {
  const lines: Record<string, unknown>[] = []
  return { lines, logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }) }
}

describe('audit sink', () => {
  it('stores the event with its columns, retention and a log line marked audit', async () => {
    const store = createMemoryStore()
    const { lines, logger } = capture()
    const sink = createAuditSink({ store, logger, now: () => NOW, retention: 3600 })
    await sink.record({ type: 'consent.granted', user_id: 'user-1', client_id: 'app', scopes: ['openid'] })
    const [record] = await store.audit.list({ limit: 10 })
    expect(record).toMatchObject({ type: 'consent.granted', time: NOW, subject: 'user-1', client_id: 'app', details: { scopes: ['openid'] }, expires_at: NOW + 3600 })
    expect(lines).toMatchObject([{ audit: true, level: 30, event: 'consent.granted', audit_id: record?.id, subject: 'user-1', client_id: 'app', scopes: ['openid'] }])
  })

  it('gives ids that sort in emission order', async () => {
    const store = createMemoryStore()
    const sink = createAuditSink({ store, now: () => NOW })
    for (let n = 0; n < 30; n++) void sink.record({ type: 'client.deleted', client_id: `c${n}`, actor: 'admin' })
    await sink.flush()
    const listed = await store.audit.list({ limit: 100 })
    expect(listed.map((r) => r.client_id)).toEqual(Array.from({ length: 30 }, (_, n) => `c${29 - n}`))
    expect(listed.every((r) => /^[0-9a-z]{23}$/.test(r.id))).toBe(true)
  })

  it('never rejects when the store fails: the failure is logged and the event is in the log already', async () => {
    const failing: AuditStore = { append: () => Promise.reject(new Error('disk full')), list: () => Promise.resolve([]) }
    const { lines, logger } = capture()
    const sink = createAuditSink({ store: { audit: failing }, logger })
    await expect(sink.record({ type: 'user.deleted', user_id: 'u', username: null, actor: 'cli' })).resolves.toBeUndefined()
    await sink.flush()
    expect(lines.map((line) => [line.level, line.event, line.msg])).toEqual([
      [30, 'user.deleted', 'user.deleted'],
      [50, 'user.deleted', 'audit record could not be stored'],
    ])
  })

  it('flush waits for every write in flight', async () => {
    let release: () => void = () => undefined
    let writing: () => void = () => undefined
    const started = new Promise<void>((resolve) => (writing = resolve))
    const stored: AuditRecord[] = []
    const slow: AuditStore = {
      append: (...records) => new Promise((resolve) => {
        release = () => resolve(void stored.push(...records))
        writing()
      }),
      list: () => Promise.resolve(stored),
    }
    const sink = createAuditSink({ store: { audit: slow } })
    void sink.record({ type: 'client.deleted', client_id: 'c', actor: 'admin' })
    let flushed = false
    const flushing = sink.flush().then(() => (flushed = true))
    await started
    expect(flushed).toBe(false)
    release()
    await flushing
    expect(stored).toHaveLength(1)
  })

  it('writes the records of one event loop turn as one batch', async () => {
    const batches: number[] = []
    const store = createMemoryStore()
    const counting: AuditStore = { append: (...records) => (batches.push(records.length), store.audit.append(...records)), list: (query) => store.audit.list(query) }
    const sink = createAuditSink({ store: { audit: counting } })
    for (let n = 0; n < 3; n++) void sink.record({ type: 'client.deleted', client_id: `c${n}`, actor: 'admin' })
    await sink.flush()
    await sink.record({ type: 'client.deleted', client_id: 'later', actor: 'admin' })
    expect(batches).toEqual([3, 1])
    expect(await store.audit.list({ limit: 10 })).toHaveLength(4)
  })

  it('drops records past a bound while the store does not answer, logging each', async () => {
    const { lines, logger } = capture()
    const hanging: AuditStore = { append: () => new Promise(() => undefined), list: () => Promise.resolve([]) }
    const sink = createAuditSink({ store: { audit: hanging }, logger: logger.child({}, { level: 'error' }) })
    // The first batch is taken by the hanging write; the bound applies to the records waiting behind it.
    void sink.record({ type: 'client.deleted', client_id: 'first', actor: 'admin' })
    await new Promise((resolve) => setImmediate(resolve))
    for (let n = 0; n < MAX_QUEUED_AUDIT_RECORDS; n++) void sink.record({ type: 'client.deleted', client_id: `c${n}`, actor: 'admin' })
    expect(lines).toEqual([])
    await expect(sink.record({ type: 'client.deleted', client_id: 'one too many', actor: 'admin' })).resolves.toBeUndefined()
    expect(lines.map((line) => line.msg)).toEqual(['audit record dropped: too many waiting for the store'])
  })

  it('logs refresh-token reuse and code replay as warnings', async () => {
    const { lines, logger } = capture()
    const sink = createAuditSink({ store: createMemoryStore(), logger })
    await sink.record({ type: 'refresh_token.reused', client_id: 'app', user_id: 'u', grant_id: 'g' })
    await sink.record({ type: 'authorization_code.replayed', client_id: 'app', user_id: 'u', grant_id: 'g' })
    expect(lines.map((line) => line.level)).toEqual([40, 40])
  })
})

describe('audit retention', () => {
  it('has a configurable retention, 90 days by default, validated at construction', () => {
    const base = { issuer: 'http://localhost:4000', store: createMemoryStore(), secret: 'x'.repeat(32) }
    expect(resolveConfig(base).auditRetention).toBe(DEFAULT_AUDIT_RETENTION)
    expect(DEFAULT_AUDIT_RETENTION).toBe(90 * 86_400)
    expect(resolveConfig({ ...base, auditRetention: 3600 }).auditRetention).toBe(3600)
    expect(() => resolveConfig({ ...base, auditRetention: 0 })).toThrow(/auditRetention/)
  })
})
