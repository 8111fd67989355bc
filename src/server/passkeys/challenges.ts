import { randomBytes } from 'node:crypto'
import type { RecordKind } from '../../storage/types.js'
import type { ServerContext } from '../context.js'

/**
 * A challenge handed to the browser for one ceremony, keyed by what it is bound to: `sign-in.<interaction
 * id>` (the interaction is itself bound to its browser) or `register.<session id_hash>`. Single use by
 * `consume`; a new page replaces the previous challenge, so only the last one shown can succeed
 * (catalogue MF-04: another session's, a used and an expired challenge all fail).
 */
export interface PasskeyChallenge {
  /** base64url, as it comes back in clientDataJSON. */
  challenge: string
  /** The user the ceremony is for; null for a sign-in without a password (discoverable credentials). */
  user_id: string | null
  /** Whether the authenticator must have verified the user (UV flag). */
  user_verification: boolean
}
export const PASSKEY_CHALLENGE: RecordKind<PasskeyChallenge> = { name: 'passkey-challenge' }

/** How long a ceremony may take: the browser's own timeout (`CEREMONY_TIMEOUT_MS`) plus a margin to post it. */
export const CHALLENGE_SECONDS = 5 * 60
export const CEREMONY_TIMEOUT_MS = 3 * 60 * 1000

/** A fresh challenge (WebAuthn §13.4.3: at least 16 random bytes; 32 here) stored under `key`. */
export async function issueChallenge(ctx: ServerContext, key: string, value: Omit<PasskeyChallenge, 'challenge'>, notAfter?: number): Promise<PasskeyChallenge> {
  const now = ctx.config.now()
  const challenge: PasskeyChallenge = { challenge: randomBytes(32).toString('base64url'), ...value }
  const expiresAt = Math.min(now + CHALLENGE_SECONDS, notAfter ?? Number.MAX_SAFE_INTEGER)
  await ctx.config.store.records.put(PASSKEY_CHALLENGE, { key, value: challenge, expiresAt, subject: value.user_id }, { replace: true })
  return challenge
}

/** Takes the challenge stored under `key` once: undefined when there is none, it expired, or it was used. */
export async function takeChallenge(ctx: ServerContext, key: string): Promise<PasskeyChallenge | undefined> {
  const result = await ctx.config.store.records.consume(PASSKEY_CHALLENGE, key, ctx.config.now())
  return result.status === 'consumed' ? result.record.value : undefined
}
