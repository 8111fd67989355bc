import { StorageConflictError, type ClientStore } from '../types.js'
import { deleteRecordsWhere } from './records.js'
import { compare, copy, deleteWhere, type MemoryState } from './state.js'

export function memoryClientStore(state: MemoryState): ClientStore {
  const { clients } = state
  return {
    async create(client) {
      if (clients.has(client.client_id)) throw new StorageConflictError(`client_id ${client.client_id} already exists`)
      clients.set(client.client_id, copy(client))
    },
    async get(clientId) {
      const client = clients.get(clientId)
      return client && copy(client)
    },
    async list() {
      return [...clients.values()].sort((a, b) => a.created_at - b.created_at || compare(a.client_id, b.client_id)).map(copy)
    },
    async update(client) {
      const stored = clients.get(client.client_id)
      if (!stored) return false
      clients.set(client.client_id, copy({ ...client, created_at: stored.created_at }))
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
