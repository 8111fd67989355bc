import { StorageConflictError, type UserStore } from '../types.js'
import { deleteRecordsWhere } from './records.js'
import { compare, copy, deleteWhere, type MemoryState } from './state.js'

export function memoryUserStore(state: MemoryState): UserStore {
  const { users, userIdsByUsername } = state
  return {
    async create(user) {
      if (users.has(user.id) || userIdsByUsername.has(user.username)) {
        throw new StorageConflictError(`user ${user.id} or username ${user.username} already exists`)
      }
      users.set(user.id, copy(user))
      userIdsByUsername.set(user.username, user.id)
    },
    async get(id) {
      const user = users.get(id)
      return user && copy(user)
    },
    async getByUsername(username) {
      const user = users.get(userIdsByUsername.get(username) ?? '')
      return user && copy(user)
    },
    async list() {
      return [...users.values()].sort((a, b) => a.created_at - b.created_at || compare(a.id, b.id)).map(copy)
    },
    async update(user) {
      const stored = users.get(user.id)
      if (!stored) return false
      users.set(user.id, copy({ ...user, username: stored.username, created_at: stored.created_at }))
      return true
    },
    async delete(id) {
      const user = users.get(id)
      if (!user) return false
      users.delete(id)
      userIdsByUsername.delete(user.username)
      deleteRecordsWhere(state, undefined, (record) => record.subject === id)
      deleteWhere(state.refreshTokens, (token) => token.user_id === id)
      deleteWhere(state.accessTokens, (token) => token.user_id === id)
      deleteWhere(state.consents, (consent) => consent.user_id === id)
      return true
    },
  }
}
