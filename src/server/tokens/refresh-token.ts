import { randomToken, sha256 } from '../../crypto/random.js'
import type { RefreshTokenRecord } from '../../storage/types.js'

export interface NewRefreshToken {
  token: string
  record: RefreshTokenRecord
}

/**
 * An opaque refresh token: 256 random bits, stored only as its SHA-256 (a database leak yields no usable
 * token; RFC 9700 §4.14.2). Rotation keeps the family's absolute expiry.
 */
export function newRefreshToken(fields: Omit<RefreshTokenRecord, 'token_hash' | 'consumed_at'>): NewRefreshToken {
  const token = randomToken(32)
  return { token, record: { ...fields, token_hash: sha256(token), consumed_at: null } }
}
