import { describe, expect, it } from 'vitest'
import { createMemoryStore } from '../../src/storage/memory.js'
import type { AuditRecord } from '../../src/storage/types.js'
import { storeContract } from './contract.js'

storeContract('memory store', () => Promise.resolve(createMemoryStore()))

describe('memory store audit records', () => {
  const record = (n: number): AuditRecord => ({
    id: `id-${String(n).padStart(4, '0')}`, type: 'token.issued', time: 1_000 + n, subject: null, client_id: 'c', details: {}, expires_at: 10_000,
  })

  it('keeps only the newest maxAuditRecords, dropping the oldest first', async () => {
    const store = createMemoryStore({ maxAuditRecords: 3 })
    await store.audit.append(record(1), record(2))
    await store.audit.append(record(3), record(4))
    await store.audit.append(record(5))
    const kept = await store.audit.list({ limit: 10 })
    expect(kept.map((r) => r.id)).toEqual(['id-0005', 'id-0004', 'id-0003'])
  })

  it('keeps 10,000 by default', async () => {
    const store = createMemoryStore()
    await store.audit.append(...Array.from({ length: 10_002 }, (_, i) => record(i)))
    const kept = await store.audit.list({ limit: 20_000 })
    expect(kept).toHaveLength(10_000)
    expect(kept.at(-1)?.id).toBe('id-0002')
  })
})
