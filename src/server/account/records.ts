import { randomToken, sha256 } from '../../crypto/random.js'
import type { RecordKind, UserRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'

/**
 * What a mailed link stands for. Each purpose is a kind of its own, so a token of one purpose is unknown as
 * another (catalogue AC-01: "an email-verification token as a reset token"); the store keeps its SHA-256
 * only, and the value binds it to one user (and one address).
 */
export interface PasswordResetTicket {
  user_id: string
  /**
   * SHA-256 of the password hash when the link was mailed: any password change since (here, by the CLI,
   * by another reset) makes the link worthless without anyone having to find and delete it.
   */
  password_digest: string
}

export interface EmailVerificationTicket {
  user_id: string
  /** The address the link was mailed to: the one it verifies (catalogue AC-05). */
  email: string
}

export const PASSWORD_RESET: RecordKind<PasswordResetTicket> = { name: 'password-reset' }
export const EMAIL_VERIFICATION: RecordKind<EmailVerificationTicket> = { name: 'email-verification' }

export function passwordDigest(user: UserRecord): string {
  return sha256(`tessera-password:${user.password_hash}`)
}

/**
 * Stores a fresh ticket for the user and makes it the only live one of its kind: earlier links stop working
 * (catalogue AC-01 "only the newest is valid"). Put first, then delete the others: two concurrent requests
 * may both lose their ticket, never both keep one. Returns the token (256 random bits) for the link.
 */
export async function issueTicket<T>(ctx: ServerContext, kind: RecordKind<T>, userId: string, value: T, lifetime: number): Promise<string> {
  const token = randomToken(32)
  const key = sha256(token)
  const records = ctx.config.store.records
  await records.put(kind, { key, value, expiresAt: ctx.config.now() + lifetime, subject: userId })
  for (const record of await records.listBySubject(kind, userId)) {
    if (record.key !== key) await records.delete(kind, record.key)
  }
  return token
}

/** The live ticket a link carries, without using it up (the page showing the form). */
export async function peekTicket<T>(ctx: ServerContext, kind: RecordKind<T>, token: string | undefined): Promise<T | undefined> {
  if (token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined
  return (await ctx.config.store.records.get(kind, sha256(token), ctx.config.now()))?.value
}

/** Uses the ticket up: of concurrent submissions exactly one gets it (the store's atomic consume). */
export async function consumeTicket<T>(ctx: ServerContext, kind: RecordKind<T>, token: string | undefined): Promise<T | undefined> {
  if (token === undefined || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined
  const result = await ctx.config.store.records.consume(kind, sha256(token), ctx.config.now())
  return result.status === 'consumed' ? result.record.value : undefined
}
