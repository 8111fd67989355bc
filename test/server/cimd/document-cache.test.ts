import { describe, expect, it } from 'vitest'
import { createDocumentCache } from '../../../src/server/cimd/document-cache.js'
import { resolveDocumentOptions } from '../../../src/server/cimd/options.js'
import type { ClientRecord } from '../../../src/storage/types.js'

function client(id: string): ClientRecord {
  return { client_id: id } as ClientRecord
}

describe('metadata document cache', () => {
  it('shares one load among concurrent callers and keeps the result until it expires', async () => {
    const cache = createDocumentCache(10)
    let loads = 0
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (release = resolve))
    const load = async () => {
      loads++
      await gate
      return [client('a'), 300] as const
    }
    const waiting = Promise.all([cache.get('a', 1000, load), cache.get('a', 1000, load), cache.get('a', 1000, load)])
    release()
    expect((await waiting).map((entry) => entry.client_id)).toEqual(['a', 'a', 'a'])
    expect(loads).toBe(1)
    await cache.get('a', 1299, load)
    expect(loads).toBe(1)
    await cache.get('a', 1300, load)
    expect(loads).toBe(2)
  })

  it('does not keep failures: the next caller loads again', async () => {
    const cache = createDocumentCache(10)
    let loads = 0
    const failing = () => {
      loads++
      return Promise.reject(new Error('unreachable'))
    }
    await expect(cache.get('a', 1000, failing)).rejects.toThrow('unreachable')
    await expect(cache.get('a', 1000, failing)).rejects.toThrow('unreachable')
    expect(loads).toBe(2)
  })

  it('holds at most maxEntries documents, dropping the oldest fetched first', async () => {
    const cache = createDocumentCache(2)
    const loaded: string[] = []
    const loader = (id: string) => () => {
      loaded.push(id)
      return Promise.resolve([client(id), 300] as const)
    }
    for (const id of ['a', 'b', 'c']) await cache.get(id, 1000, loader(id))
    await cache.get('c', 1000, loader('c'))
    await cache.get('b', 1000, loader('b'))
    await cache.get('a', 1000, loader('a'))
    expect(loaded).toEqual(['a', 'b', 'c', 'a'])
  })
})

describe('clientIdMetadataDocuments options', () => {
  it('has documented defaults and names a bad field', () => {
    expect(resolveDocumentOptions()).toEqual({ cache: { minSeconds: 300, maxSeconds: 86_400, defaultSeconds: 3600 }, maxEntries: 1000, maxBytes: 5120, timeoutMs: 5000 })
    expect(() => resolveDocumentOptions({ maxBytes: 0 })).toThrow(/maxBytes must be a positive integer/)
    expect(() => resolveDocumentOptions({ cache: { minSeconds: 600, maxSeconds: 60 } })).toThrow(/cache.minSeconds must be at most cache.maxSeconds/)
  })
})
