import { createHash } from 'node:crypto'
import type { RecordKind, RecordStore } from '../types.js'

/**
 * A local account's identity at an upstream provider. OIDC Core §5.7: only `iss` and `sub` together
 * identify a user stably, so that pair is the key — never the e-mail address, which can change hands or be
 * unverified (catalogue FD-01). GitHub-shaped providers give their numeric account id as `sub`.
 */
export interface FederatedIdentity {
  /** The upstream's issuer identifier. */
  issuer: string
  /** The user's subject at that issuer. */
  subject: string
  /** The configured upstream it was signed in through (`google`), for the account page and unlinking. */
  upstream: string
  /** The local account. */
  user_id: string
  /** Unix seconds. */
  linked_at: number
  /** Made by just-in-time provisioning, or by the signed-in user linking it. */
  origin: 'provisioned' | 'linked'
}

/** Identities at upstream providers; durable (they live as long as the account), deleted with their user. */
export const FEDERATED_IDENTITY: RecordKind<FederatedIdentity> = { name: 'federated-identity', durable: true }

/** Records of a durable kind never expire by time (9999-12-31T23:59:59Z, as stored APIs). */
const NEVER = 253402300799

/** The record key of (issuer, subject): a hash, so every backend's key column holds it whatever its length. */
export function federatedIdentityKey(issuer: string, subject: string): string {
  return createHash('sha256').update(JSON.stringify([issuer, subject])).digest('base64url')
}

/** The identities at upstream providers, by (issuer, subject) and by local account. */
export interface FederatedIdentities {
  /** The identity of `subject` at `issuer`, or undefined when no account has it. */
  find(issuer: string, subject: string, now: number): Promise<FederatedIdentity | undefined>
  /** Rejects with `StorageConflictError` when the identity belongs to an account already. */
  add(identity: FederatedIdentity): Promise<void>
  /** Removes the identity from its account (unknown: nothing happens). */
  remove(issuer: string, subject: string): Promise<void>
  /** The identities linked to a local account. */
  listByUser(userId: string): Promise<FederatedIdentity[]>
}

/**
 * Typed access to `FEDERATED_IDENTITY` over the record facility.
 *
 * @example const identity = await federatedIdentities(store.records).find(issuer, sub, now)
 */
export function federatedIdentities(records: RecordStore): FederatedIdentities {
  return {
    find: async (issuer, subject, now) => (await records.get(FEDERATED_IDENTITY, federatedIdentityKey(issuer, subject), now))?.value,
    add: (identity) => records.put(FEDERATED_IDENTITY, { key: federatedIdentityKey(identity.issuer, identity.subject), value: identity, expiresAt: NEVER, subject: identity.user_id }),
    remove: (issuer, subject) => records.delete(FEDERATED_IDENTITY, federatedIdentityKey(issuer, subject)),
    listByUser: async (userId) => (await records.listBySubject(FEDERATED_IDENTITY, userId)).map(({ value }) => value),
  }
}
