import { describe, expect, it } from 'vitest'
import { rotateSigningKeys } from '../../src/server/key-set.js'
import { createMemoryStore } from '../../src/storage/memory.js'

const NOW = 1_700_000_000

describe('rotateSigningKeys', () => {
  it('record a signing-key rotation made through the library', async () => {
    const store = createMemoryStore()
    const created = await rotateSigningKeys(store, 'x'.repeat(32), NOW, 3600)
    expect(await store.audit.list({ type: 'keys.rotated', limit: 10 })).toMatchObject([
      { subject: null, client_id: null, details: { kids: created.map((key) => key.kid), algorithms: ['RS256', 'ES256'], actor: 'admin' } },
    ])
  })
})
