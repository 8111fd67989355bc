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
 * The subject every initial access token is kept under: no user's (user ids are UUIDs), so that the
 * tokens can be listed (`listBySubject`) without a store method of their own.
 */
const TOKENS_SUBJECT = 'urn:tessera:initial-access-tokens'

/** A live initial access token as an operator sees it: a public id (a prefix of its hash), never the token. */
export interface InitialAccessTokenInfo {
  id: string
  created_at: number
  expires_at: number
}

const publicId = (key: string): string => key.slice(0, 16)

/**
 * Creates an initial access token for the `token` registration policy (`tessera-oidc registration token
 * create`): 256 random bits, stored hashed, good for one registration until `expiresAt`.
 *
 * @example const { token } = await createInitialAccessToken(store, { now, expiresIn: 86400 })
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export async function createInitialAccessToken(store: Store, options: { now: number; expiresIn: number }): Promise<{ token: string; expiresAt: number; id: string }> {
  const token = randomCredential(32)
  const expiresAt = options.now + options.expiresIn
  await store.records.put(INITIAL_ACCESS_TOKEN, { key: sha256(token), value: { created_at: options.now, expires_at: expiresAt }, expiresAt, subject: TOKENS_SUBJECT })
  return { token, expiresAt, id: publicId(sha256(token)) }
}

/** Whether `token` is a live, unused initial access token. */
export async function isInitialAccessToken(store: Store, token: string, now: number): Promise<boolean> {
  return (await store.records.get(INITIAL_ACCESS_TOKEN, sha256(token), now)) !== undefined
}

/** Uses the token up: of concurrent registrations with one token exactly one gets true. */
export async function consumeInitialAccessToken(store: Store, token: string, now: number): Promise<boolean> {
  return (await store.records.consume(INITIAL_ACCESS_TOKEN, sha256(token), now)).status === 'consumed'
}

/** The live, unused initial access tokens, soonest to expire first. */
export async function listInitialAccessTokens(store: Store, now: number): Promise<InitialAccessTokenInfo[]> {
  const records = await store.records.listBySubject(INITIAL_ACCESS_TOKEN, TOKENS_SUBJECT)
  return records
    .filter((record) => record.expiresAt > now && record.consumedAt === null)
    .map((record) => ({ id: publicId(record.key), created_at: record.value.created_at, expires_at: record.value.expires_at }))
    .sort((a, b) => a.expires_at - b.expires_at || (a.id < b.id ? -1 : 1))
}

/** Revokes the live token with this public id; false when there is none. */
export async function revokeInitialAccessToken(store: Store, id: string, now: number): Promise<boolean> {
  const records = await store.records.listBySubject(INITIAL_ACCESS_TOKEN, TOKENS_SUBJECT)
  const target = records.find((record) => publicId(record.key) === id && record.expiresAt > now && record.consumedAt === null)
  if (!target) return false
  await store.records.delete(INITIAL_ACCESS_TOKEN, target.key)
  return true
}
