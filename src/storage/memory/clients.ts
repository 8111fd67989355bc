import { StorageConflictError, type ClientRecord, type ClientStore } from '../types.js'
import { deleteRecordsWhere } from './records.js'
import { compare, copy, deleteWhere, type MemoryState } from './state.js'

export function memoryClientStore(state: MemoryState): ClientStore {
  const { clients } = state
  // No client expires before this: every registration asks for expired clients (the unused-client purge), and
  // scanning every client each time made registration slower the more clients there were (issue 20's bench: 1,663
  // down to 563 a second within 25 s). Lowered on every write; raised only by a scan, so it is never too high.
  let earliestExpiry = Number.POSITIVE_INFINITY
  const noteExpiry = (client: ClientRecord): void => {
    if (client.expires_at !== null) earliestExpiry = Math.min(earliestExpiry, client.expires_at)
  }
  return {
    async create(client) {
      if (clients.has(client.client_id)) throw new StorageConflictError(`client_id ${client.client_id} already exists`)
      clients.set(client.client_id, copy(client))
      noteExpiry(client)
    },
    async get(clientId) {
      const client = clients.get(clientId)
      return client && copy(client)
    },
    async list(query = {}) {
      const { expiredAt, limit } = query
      if (expiredAt !== undefined && expiredAt < earliestExpiry) return []
      if (expiredAt !== undefined) {
        earliestExpiry = Number.POSITIVE_INFINITY
        for (const client of clients.values()) noteExpiry(client)
      }
      const selected = expiredAt === undefined
        ? [...clients.values()]
        : [...clients.values()].filter((client) => client.expires_at !== null && client.expires_at <= expiredAt)
      const order = (a: ClientRecord, b: ClientRecord): number => a.created_at - b.created_at || compare(a.client_id, b.client_id)
      selected.sort(expiredAt === undefined ? order : (a, b) => (a.expires_at ?? 0) - (b.expires_at ?? 0) || order(a, b))
      return selected.slice(0, limit).map(copy)
    },
    async update(client) {
      const stored = clients.get(client.client_id)
      if (!stored) return false
      clients.set(client.client_id, copy({ ...client, created_at: stored.created_at }))
      noteExpiry(client)
      return true
    },
    async delete(clientId) {
      if (!clients.delete(clientId)) return false
      deleteRecordsWhere(state, undefined, (record) => record.clientId === clientId)
      deleteWhere(state.refreshTokens, (token) => token.client_id === clientId)
      deleteWhere(state.accessTokens, (token) => token.client_id === clientId)
      deleteWhere(state.consents, (consent) => consent.client_id === clientId)
      return true
    },
  }
}
