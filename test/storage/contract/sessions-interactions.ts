import { describe, expect, it } from 'vitest'
import type { CurrentStore } from '../contract.js'
import { NOW, USER_ID, interaction, session, user } from '../fixtures.js'

export function sessionAndInteractionContract(store: CurrentStore): void {
  describe('login sessions', () => {
    it('returns a session, as a copy, until its expires_at', async () => {
      await store().sessions.create(session())
      const found = await store().sessions.get('session-hash-1', NOW)
      expect(found).toEqual(session())
      if (found) found.user_id = 'someone-else'
      expect(await store().sessions.get('session-hash-1', NOW + 599)).toEqual(session())
      expect(await store().sessions.get('session-hash-1', NOW + 600)).toBeUndefined()
      expect(await store().sessions.get('no-such-session', NOW)).toBeUndefined()
    })

    it('deletes a session, and deleting an unknown one is not an error', async () => {
      await store().sessions.create(session())
      await store().sessions.delete('session-hash-1')
      await store().sessions.delete('session-hash-1')
      expect(await store().sessions.get('session-hash-1', NOW)).toBeUndefined()
    })

    it('deletes every session of one user, and only theirs', async () => {
      await store().users.create(user({ id: 'user-2', username: 'bob' }))
      await store().sessions.create(session())
      await store().sessions.create(session({ id_hash: 'session-hash-2', sid: 'sid-2' }))
      await store().sessions.create(session({ id_hash: 'session-hash-3', sid: 'sid-3', user_id: 'user-2' }))
      await store().sessions.deleteByUser(USER_ID)
      await store().sessions.deleteByUser('nobody')
      expect(await store().sessions.get('session-hash-1', NOW)).toBeUndefined()
      expect(await store().sessions.get('session-hash-2', NOW)).toBeUndefined()
      expect(await store().sessions.get('session-hash-3', NOW)).toEqual(session({ id_hash: 'session-hash-3', sid: 'sid-3', user_id: 'user-2' }))
    })
  })

  describe('interactions', () => {
    it('saves, updates in place and returns copies until expiry', async () => {
      await store().interactions.save(interaction())
      const found = await store().interactions.get('interaction-1', NOW)
      expect(found).toEqual(interaction())
      if (found) found.csrf_token = 'tampered'
      const loggedIn = interaction({ user_id: USER_ID, auth_time: NOW + 3 })
      await store().interactions.save(loggedIn)
      expect(await store().interactions.get('interaction-1', NOW + 3)).toEqual(loggedIn)
      expect(await store().interactions.get('interaction-1', NOW + 600)).toBeUndefined()
      expect(await store().interactions.get('no-such-interaction', NOW)).toBeUndefined()
    })

    it('consumes once: the interaction is returned and gone', async () => {
      await store().interactions.save(interaction())
      expect(await store().interactions.consume('interaction-1', NOW)).toEqual(interaction())
      expect(await store().interactions.consume('interaction-1', NOW)).toBeUndefined()
      expect(await store().interactions.get('interaction-1', NOW)).toBeUndefined()
    })

    it('does not consume an expired interaction', async () => {
      await store().interactions.save(interaction())
      expect(await store().interactions.consume('interaction-1', NOW + 600)).toBeUndefined()
    })

    it('lets exactly one of 50 concurrent form submissions consume it', async () => {
      await store().interactions.save(interaction())
      const results = await Promise.all(Array.from({ length: 50 }, () => store().interactions.consume('interaction-1', NOW)))
      expect(results.filter(Boolean)).toHaveLength(1)
    })

    it('lets one of concurrent submissions consume it while others read it', async () => {
      await store().interactions.save(interaction())
      const consumed = await Promise.all(Array.from({ length: 20 }, (_, n) => (n % 2 === 0 ? store().interactions.consume('interaction-1', NOW) : store().interactions.get('interaction-1', NOW).then(() => undefined))))
      expect(consumed.filter(Boolean)).toEqual([interaction()])
      expect(await store().interactions.get('interaction-1', NOW)).toBeUndefined()
    })
  })
}
