import type { RecordKind, Store } from '../../storage/types.js'

/**
 * An API registered in the store (`tessera-oidc resource create`), next to those of `config.resources`. Its
 * introspection credentials are a client record (`client_id`) that has no grant type, no redirect URI
 * and no scope: the existing client authentication (client_secret_basic/post, SHA-256, constant time)
 * lets it in at `/introspect`, while the token and authorization endpoints refuse it like any client
 * not registered for their grant (`unauthorized_client`).
 */
export interface StoredResource {
  /** Resource identifier (RFC 8707 §2): the `aud` of its access tokens. */
  identifier: string
  /** Its scopes with the consent page's description. */
  scopes: Record<string, string>
  /** The client id it authenticates with at the introspection endpoint. */
  client_id: string
  created_at: number
}

/** Long-lived: one record per resource, keyed by its identifier, listed through one shared subject. */
export const STORED_RESOURCE: RecordKind<StoredResource> = { name: 'resource', durable: true }
// RecordStore lists by subject only: every stored resource shares this one (no user id has this shape).
export const DIRECTORY_SUBJECT = 'tessera:resources'
// Records need an expiry; a resource lives until it is deleted (year 9999, within every backend's integer range).
export const NEVER = 253402300799

/** Every stored resource, oldest first. */
export async function listStoredResources(store: Store): Promise<StoredResource[]> {
  const records = await store.records.listBySubject(STORED_RESOURCE, DIRECTORY_SUBJECT)
  return records.map((record) => record.value).sort((a, b) => a.created_at - b.created_at || a.identifier.localeCompare(b.identifier))
}
