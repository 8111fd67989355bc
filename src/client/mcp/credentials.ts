import type { ClientPrivateKey } from '../token-endpoint-auth.js'
import { createHash } from 'node:crypto'
import { seal, unseal } from '../seal.js'
import type { RelyingPartyStore } from '../store.js'

/**
 * Client credentials and tokens of one (issuer, resource) pair, kept in the relying party's existing store:
 * a session row whose `issuer`/`subject` are the issuer and the resource and whose sealed `tokens` column
 * holds the JSON — so every store (memory, SQLite, PostgreSQL, Redis) keeps them without a new table.
 */
export type CredentialKind = 'client' | 'tokens'

/** A client identity this library obtained or was given, for one authorization server. */
export interface McpClientCredentials {
  client_id: string
  client_secret?: string
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'none' | 'private_key_jwt'
  /** `private_key_jwt`: the pre-registered key; never stored (only a client-credentials agent has one). */
  private_key?: ClientPrivateKey
  /** How the identity was obtained. */
  via: 'client_id_metadata_document' | 'dynamic_registration' | 'pre_registered'
}

/** Tokens for one resource from one authorization server. */
export interface McpTokens {
  access_token: string
  token_type: string
  refresh_token?: string
  /** Unix seconds. */
  expires_at?: number
  /** The scope granted (the token response's `scope`, else the one requested). */
  scope?: string
}

const PROVIDER = 'mcp'
/** Credentials outlive any one token; a year bounds what an abandoned pair leaves in the store. */
const RECORD_TTL = 365 * 24 * 3600

function keyOf(kind: CredentialKind, issuer: string, resource: string): string {
  return createHash('sha256').update(`tessera mcp ${kind}\n${issuer}\n${resource}`).digest('base64url')
}

export interface CredentialStore {
  load<T>(kind: CredentialKind, issuer: string, resource: string): Promise<T | undefined>
  save(kind: CredentialKind, issuer: string, resource: string, value: object): Promise<void>
  remove(kind: CredentialKind, issuer: string, resource: string): Promise<void>
}

export function credentialStore(store: RelyingPartyStore, sealKey: Buffer, now: () => number): CredentialStore {
  return {
    async load<T>(kind: CredentialKind, issuer: string, resource: string): Promise<T | undefined> {
      const key = keyOf(kind, issuer, resource)
      const record = await store.sessions.get(key, now())
      if (!record || record.provider !== PROVIDER) return undefined
      const json = unseal(sealKey, record.tokens, key)
      return json === undefined ? undefined : (JSON.parse(json) as T)
    },
    async save(kind, issuer, resource, value) {
      const key = keyOf(kind, issuer, resource)
      const sealed = seal(sealKey, JSON.stringify(value), key)
      const at = now()
      if (await store.sessions.get(key, at)) return store.sessions.updateTokens(key, sealed, at)
      try {
        await store.sessions.save({ key, provider: PROVIDER, issuer, subject: resource, user: '{}', tokens: sealed, created_at: at, updated_at: at, expires_at: at + RECORD_TTL })
      } catch (error) {
        // Saved concurrently by another request or instance: the row exists now.
        if (!(await store.sessions.get(key, at))) throw error
        await store.sessions.updateTokens(key, sealed, at)
      }
    },
    async remove(kind, issuer, resource) {
      await store.sessions.delete(keyOf(kind, issuer, resource))
    },
  }
}
