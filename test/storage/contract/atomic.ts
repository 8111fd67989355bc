import { describe, expect, it } from 'vitest'
import { inOneStep, type ConsumeCodeResult, type Store } from '../../../src/storage/types.js'
import type { CurrentStore } from '../contract.js'
import { NOW, code, refreshToken } from '../fixtures.js'

/** What the code grant does in one step: consume the code and, if this caller won, save its refresh token. */
function exchange(store: Store, n: number): Promise<ConsumeCodeResult> {
  return inOneStep(store, async (step) => {
    const consumed = await step.codes.consume('code-hash-1', NOW)
    if (consumed.status === 'consumed') await step.refreshTokens.save(refreshToken({ token_hash: `refresh-${n}` }))
    return consumed
  })
}

export function atomicContract(store: CurrentStore): void {
  describe('one step of several writes (`atomic`, `inOneStep`)', () => {
    it('lets exactly one of 20 concurrent exchanges consume the code, and stores only the winner’s refresh token', async () => {
      await store().codes.save(code())
      const results = await Promise.all(Array.from({ length: 20 }, (_, n) => exchange(store(), n)))
      const winner = results.findIndex((result) => result.status === 'consumed')
      expect(winner).toBeGreaterThanOrEqual(0)
      expect(results.filter((result) => result.status === 'replayed')).toHaveLength(19)
      const found = await Promise.all(results.map((_, n) => store().refreshTokens.find(`refresh-${n}`, NOW)))
      expect(found.map((token) => token !== undefined)).toEqual(results.map((_, n) => n === winner))
    })

    it('with `atomic`, keeps none of the writes of a step that throws; without, those made before it', async () => {
      await store().codes.save(code())
      await store().refreshTokens.save(refreshToken({ token_hash: 'refresh-taken' }))
      const step = inOneStep(store(), async (s) => {
        await s.codes.consume('code-hash-1', NOW)
        // A failure after the consume: a duplicate refresh token hash.
        await s.refreshTokens.save(refreshToken({ token_hash: 'refresh-taken' }))
      })
      await expect(step).rejects.toThrow()
      const again = await store().codes.consume('code-hash-1', NOW + 1)
      expect(again.status).toBe(store().atomic ? 'consumed' : 'replayed')
    })

    it('runs the methods that open their own transaction (rotation, revocation) inside a step', async () => {
      await store().refreshTokens.save(refreshToken())
      const rotated = await inOneStep(store(), async (s) => {
        const result = await s.refreshTokens.rotate('refresh-hash-1', refreshToken({ token_hash: 'refresh-next' }), NOW + 1)
        await s.grants.revoke('grant-other', NOW + 60)
        return result.status
      })
      expect(rotated).toBe('rotated')
      expect((await store().refreshTokens.find('refresh-next', NOW + 1))?.grant_id).toBe('grant-1')
      expect(await store().grants.isRevoked('grant-other', NOW + 1)).toBe(true)
    })
  })
}
