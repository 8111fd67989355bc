import type { RecordKind } from './types.js'

/**
 * What a refresh-token store keeps of a rotation for the rotation grace (`RefreshTokenStore.rotate`'s
 * `keep`): the successor's hash, to check that it is still live and unrotated, and the sealed successor the
 * server handed out. Kept as a short-lived record keyed by the rotated token's hash and owned by the user and
 * client, so expiry purges it and deleting either deletes it, without a table or column of its own; the
 * refresh-token stores write and read it themselves, inside their rotation.
 */
export interface KeptSuccessorValue {
  /** `token_hash` of the successor. */
  next: string
  sealed: string
}

/**
 * The stores' own kind: the server never reads it through `store.records`. `durable` because it lives
 * beside the refresh tokens, in the database, though only for seconds: a composite store routes it there.
 */
export const REFRESH_SUCCESSOR: RecordKind<KeptSuccessorValue> = { name: 'refresh-successor', durable: true }

/** A stored value read back (JSON text in SQL): the shape checked, anything else is no successor. */
export function keptSuccessorValue(value: unknown): KeptSuccessorValue | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { next, sealed } = value as Record<string, unknown>
  return typeof next === 'string' && typeof sealed === 'string' ? { next, sealed } : undefined
}
