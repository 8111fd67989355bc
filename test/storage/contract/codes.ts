import { describe, expect, it } from 'vitest'
import type { CurrentStore } from '../contract.js'
import { AUTHORIZATION_CODE } from '../../../src/storage/kinds/codes.js'
import type { AuthorizationCodeRecord } from '../../../src/storage/types.js'
import { NOW, code } from '../fixtures.js'

export function codeContract(store: CurrentStore): void {
  // RFC 6749 §4.1.2 and §10.5: a code is single-use, and a second use is detectable as a replay.
  describe('authorization codes', () => {
    it('consumes once, then reports replays with the original consumption time', async () => {
      await store().codes.save(code())
      expect(await store().codes.consume('code-hash-1', NOW)).toEqual({ status: 'consumed', code: code({ consumed_at: NOW }) })
      expect(await store().codes.consume('code-hash-1', NOW + 1)).toEqual({ status: 'replayed', code: code({ consumed_at: NOW }) })
      expect(await store().codes.consume('code-hash-1', NOW + 2)).toEqual({ status: 'replayed', code: code({ consumed_at: NOW }) })
    })

    it('reads a code stored with the single `resource` of earlier versions as a list of resources', async () => {
      const { resources: _resources, ...rest } = code()
      await store().records.put(AUTHORIZATION_CODE, { key: 'code-hash-1', value: { ...rest, resource: 'https://api.example' } as unknown as AuthorizationCodeRecord, expiresAt: NOW + 60 })
      await store().records.put(AUTHORIZATION_CODE, { key: 'code-hash-2', value: { ...rest, code_hash: 'code-hash-2', resource: null } as unknown as AuthorizationCodeRecord, expiresAt: NOW + 60 })
      const one = await store().codes.consume('code-hash-1', NOW)
      expect(one.status === 'consumed' && one.code.resources).toEqual(['https://api.example'])
      const none = await store().codes.consume('code-hash-2', NOW)
      expect(none.status === 'consumed' && none.code.resources).toEqual([])
    })

    it('gives unknown for an unknown code', async () => {
      expect(await store().codes.consume('no-such-code', NOW)).toEqual({ status: 'unknown' })
    })

    it('gives unknown for an expired code, from its expires_at on', async () => {
      await store().codes.save(code({ expires_at: NOW + 10 }))
      expect(await store().codes.consume('code-hash-1', NOW + 10)).toEqual({ status: 'unknown' })
      expect((await store().codes.consume('code-hash-1', NOW + 9)).status).toBe('consumed')
      expect(await store().codes.consume('code-hash-1', NOW + 10)).toEqual({ status: 'unknown' })
    })

    it('returns a copy from consume', async () => {
      await store().codes.save(code())
      const first = await store().codes.consume('code-hash-1', NOW)
      if (first.status === 'consumed') first.code.scopes.push('admin')
      const again = await store().codes.consume('code-hash-1', NOW)
      expect(again.status === 'replayed' && again.code.scopes).toEqual(['openid', 'profile'])
    })

    it('lets exactly one of 50 concurrent consumers win', async () => {
      await store().codes.save(code())
      const results = await Promise.all(Array.from({ length: 50 }, () => store().codes.consume('code-hash-1', NOW)))
      expect(results.filter((r) => r.status === 'consumed')).toHaveLength(1)
      expect(results.filter((r) => r.status === 'replayed')).toHaveLength(49)
    })

    it('reports the winner’s consumption time to every concurrent loser', async () => {
      await store().codes.save(code())
      const results = await Promise.all(Array.from({ length: 20 }, (_, n) => store().codes.consume('code-hash-1', NOW + n)))
      const winner = results.findIndex((r) => r.status === 'consumed')
      expect(winner).toBeGreaterThanOrEqual(0)
      expect(new Set(results.map((r) => r.status !== 'unknown' && r.code.consumed_at))).toEqual(new Set([NOW + winner]))
    })

    it('lets exactly one of many consumers of each of several codes win', async () => {
      const hashes = ['c-1', 'c-2', 'c-3', 'c-4', 'c-5']
      for (const hash of hashes) await store().codes.save(code({ code_hash: hash, grant_id: `grant-${hash}` }))
      const results = await Promise.all(hashes.flatMap((hash) => Array.from({ length: 10 }, () => store().codes.consume(hash, NOW))))
      const winners = results.flatMap((r) => (r.status === 'consumed' ? [r.code.code_hash] : []))
      expect(winners.toSorted()).toEqual(hashes)
    })
  })
}
