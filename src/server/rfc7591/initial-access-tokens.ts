import { randomCredential, sha256 } from '../../crypto/random.js'
import type { RecordKind, Store } from '../../storage/types.js'

/** An initial access token (RFC 7591 §1.2, §3): only its SHA-256 is the record's key. */
export interface InitialAccessToken {
  created_at: number
  expires_at: number
}

/** Short-lived and single use: `store.records`, keyed by the token's SHA-256. */
export const INITIAL_ACCESS_TOKEN: RecordKind<InitialAccessToken> = { name: 'initial-access-token' }

/**
 * Creates an initial access token for the `token` registration policy (`tessera-oidc registration token
 * create`): 256 random bits, stored hashed, good for one registration until `expiresAt`.
 *
 * @example const { token } = await createInitialAccessToken(store, { now, expiresIn: 86400 })
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export async function createInitialAccessToken(store: Store, options: { now: number; expiresIn: number }): Promise<{ token: string; expiresAt: number }> {
  const token = randomCredential(32)
  const expiresAt = options.now + options.expiresIn
  await store.records.put(INITIAL_ACCESS_TOKEN, { key: sha256(token), value: { created_at: options.now, expires_at: expiresAt }, expiresAt })
  return { token, expiresAt }
}

/** Whether `token` is a live, unused initial access token. */
export async function isInitialAccessToken(store: Store, token: string, now: number): Promise<boolean> {
  return (await store.records.get(INITIAL_ACCESS_TOKEN, sha256(token), now)) !== undefined
}

/** Uses the token up: of concurrent registrations with one token exactly one gets true. */
export async function consumeInitialAccessToken(store: Store, token: string, now: number): Promise<boolean> {
  return (await store.records.consume(INITIAL_ACCESS_TOKEN, sha256(token), now)).status === 'consumed'
}
