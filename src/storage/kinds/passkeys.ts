import { createHash } from 'node:crypto'
import type { RecordKind, RecordStore } from '../types.js'

/**
 * A user's WebAuthn credential (a passkey or a security key), as registration verified it. The public
 * key is public: it is stored as it came (COSE, base64url), unlike a bearer secret.
 *
 * @see https://www.w3.org/TR/webauthn-3/#sctn-registering-a-new-credential
 */
export interface PasskeyCredential {
  /** The credential id the authenticator chose (base64url, at most 1,023 bytes decoded). */
  credential_id: string
  /** The COSE public key, base64url. */
  public_key: string
  /** The last signature counter the authenticator reported (0 for authenticators without one). */
  counter: number
  /** Transports the browser reported (`internal`, `usb`, `hybrid` …), handed back in `allowCredentials`. */
  transports: string[]
  /**
   * WebAuthn §6.1.3 BE: the credential may be synced to other devices. Fixed for a credential's life: an
   * assertion reporting another value is refused (catalogue MF-06).
   */
  backup_eligible: boolean
  /** BS at the last use: the credential is synced now. */
  backed_up: boolean
  /** The local user it signs in. */
  user_id: string
  /** The user's own label for it ("Laptop"). */
  name: string
  /** Unix seconds. */
  created_at: number
  /** Unix seconds of the last accepted assertion, null before the first. */
  last_used_at: number | null
}

/** Passkeys, keyed by a hash of the credential id; durable, deleted with their user. */
export const PASSKEY: RecordKind<PasskeyCredential> = { name: 'passkey', durable: true }

/** Records of a durable kind never expire by time (9999-12-31T23:59:59Z, as stored APIs). */
const NEVER = 253402300799

/**
 * The record key of a credential id: a hash, so every backend's key column holds it whatever its length,
 * and one credential id maps to one record whoever registered it (WebAuthn §7.1 step 26).
 */
export function passkeyKey(credentialId: string): string {
  return createHash('sha256').update(credentialId).digest('base64url')
}

/** The passkeys, by credential id and by user. */
export interface PasskeyCredentials {
  /** The credential with this id with its revision (for `saveUse`), or undefined. */
  find(credentialId: string, now: number): Promise<{ credential: PasskeyCredential; revision: number } | undefined>
  /** Rejects with `StorageConflictError` when any user has a credential with this id already. */
  add(credential: PasskeyCredential): Promise<void>
  /** Stores the credential after a use (counter, BS, last use) if nobody changed it since `revision`; false otherwise. */
  saveUse(credential: PasskeyCredential, revision: number, now: number): Promise<boolean>
  /** Replaces the stored value (renaming). */
  replace(credential: PasskeyCredential): Promise<void>
  /** Deletes the credential (unknown: nothing happens). */
  remove(credentialId: string): Promise<void>
  /** The user's credentials, oldest first. */
  listByUser(userId: string): Promise<PasskeyCredential[]>
}

/**
 * Typed access to `PASSKEY` over the record facility.
 *
 * @example const mine = await passkeyCredentials(store.records).listByUser(user.id)
 */
export function passkeyCredentials(records: RecordStore): PasskeyCredentials {
  const record = (credential: PasskeyCredential) => ({ key: passkeyKey(credential.credential_id), value: credential, expiresAt: NEVER, subject: credential.user_id })
  return {
    async find(credentialId, now) {
      const found = await records.get(PASSKEY, passkeyKey(credentialId), now)
      // The hash is the key; the id itself is compared too, so a collision could never sign anyone in.
      return found && found.value.credential_id === credentialId ? { credential: found.value, revision: found.revision } : undefined
    },
    add: (credential) => records.put(PASSKEY, record(credential)),
    saveUse: (credential, revision, now) => records.update(PASSKEY, passkeyKey(credential.credential_id), revision, credential, now),
    replace: (credential) => records.put(PASSKEY, record(credential), { replace: true }),
    remove: (credentialId) => records.delete(PASSKEY, passkeyKey(credentialId)),
    async listByUser(userId) {
      const list = (await records.listBySubject(PASSKEY, userId)).filter((entry) => entry.consumedAt === null).map(({ value }) => value)
      return list.sort((a, b) => a.created_at - b.created_at)
    },
  }
}
