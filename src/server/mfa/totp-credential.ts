import { randomBytes } from 'node:crypto'
import { sha256 } from '../../crypto/random.js'
import { openSealedSecret, sealSecret } from '../../jwt/sealed-secret.js'
import { decodeBase32, encodeBase32 } from '../../protocol/rfc6238/base32.js'
import { otpauthUri } from '../../protocol/rfc6238/otpauth-uri.js'
import { matchTotpStep, TOTP_PERIOD } from '../../protocol/rfc6238/totp.js'
import { StorageConflictError } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { NEVER, RECOVERY_CODE, TOTP_CREDENTIAL, TOTP_ENROLMENT, TOTP_USED_STEP, type TotpCredential } from './records.js'

/** RFC 4226 §4 R6: at least 128 bits of key, 160 recommended (the HMAC-SHA-1 block it keys). */
const KEY_BYTES = 20
/** How long a shown, unconfirmed key can be confirmed. */
const ENROLMENT_SECONDS = 15 * 60
/** Recovery codes issued at a time. */
export const RECOVERY_CODE_COUNT = 10

/** A key shown for enrolment: the base32 text a person can type, and the URI an app scans. */
export interface TotpEnrolment {
  secret: string
  uri: string
}

async function openKey(ctx: ServerContext, credential: TotpCredential): Promise<Uint8Array | undefined> {
  const text = await openSealedSecret(credential.secret_sealed, [ctx.config.secret, ...ctx.config.previousSecrets], 'totp')
  return text === undefined ? undefined : decodeBase32(text)
}

/**
 * A new key for `user`, kept sealed until a code from it confirms the enrolment; showing the page again
 * shows the same key (an app may have scanned it already) until it expires.
 */
export async function enrolmentFor(ctx: ServerContext, user: { id: string; username: string }): Promise<TotpEnrolment> {
  const now = ctx.config.now()
  const existing = await ctx.config.store.records.get(TOTP_ENROLMENT, user.id, now)
  let secret = existing ? await openSealedSecret(existing.value.secret_sealed, [ctx.config.secret, ...ctx.config.previousSecrets], 'totp') : undefined
  if (secret === undefined) {
    secret = encodeBase32(randomBytes(KEY_BYTES))
    const value = { secret_sealed: await sealSecret(secret, ctx.config.secret, 'totp'), created_at: now }
    await ctx.config.store.records.put(TOTP_ENROLMENT, { key: user.id, value, expiresAt: now + ENROLMENT_SECONDS, subject: user.id }, { replace: true })
  }
  const key = decodeBase32(secret) ?? new Uint8Array()
  return { secret, uri: otpauthUri({ issuer: ctx.config.productName, account: user.username, secret: key }) }
}

/** Whether the user has a confirmed second factor. */
export async function hasSecondFactor(ctx: ServerContext, userId: string): Promise<boolean> {
  return (await ctx.config.store.records.get(TOTP_CREDENTIAL, userId, ctx.config.now())) !== undefined
}

export type CodeCheck = { ok: true; method: 'totp' | 'recovery_code' } | { ok: false; reason: 'invalid' | 'replayed' | 'throttled'; retryAfter?: number }

/**
 * Marks the step used; false when it was used before — for a login, a confirmation or a disable alike
 * (catalogue MF-02: "whatever the purpose").
 */
async function useStep(ctx: ServerContext, userId: string, step: number): Promise<boolean> {
  try {
    // Kept until the step can no longer be accepted: one step of drift after it, plus a margin.
    await ctx.config.store.records.put(TOTP_USED_STEP, { key: `${userId}.${step}`, value: {}, expiresAt: (step + 3) * TOTP_PERIOD, subject: userId })
    return true
  } catch (error) {
    if (error instanceof StorageConflictError) return false
    throw error
  }
}

function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '')
}

/**
 * Checks a code against `key`: a six-digit TOTP of the current step ±1 never used before, or else one of
 * the user's recovery codes (consumed). Attempts are limited per account (catalogue MF-01) before
 * anything is compared, and a failure counts whatever the code was.
 */
async function checkCode(ctx: ServerContext, userId: string, key: Uint8Array | undefined, code: string, allowRecovery: boolean): Promise<CodeCheck> {
  const now = ctx.config.now()
  const gate = await ctx.loginThrottle.checkSecondFactor(userId, now)
  if (!gate.allowed) return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  const trimmed = code.replace(/\s/g, '')
  const step = key ? matchTotpStep(key, trimmed, now) : undefined
  let result: CodeCheck
  if (step !== undefined) {
    result = (await useStep(ctx, userId, step)) ? { ok: true, method: 'totp' } : { ok: false, reason: 'replayed' }
  } else if (allowRecovery && /^[a-z2-7]{10}$/.test(normalizeRecoveryCode(code))) {
    const consumed = await ctx.config.store.records.consume(RECOVERY_CODE, `${userId}.${sha256(normalizeRecoveryCode(code))}`, now)
    result = consumed.status === 'consumed' ? { ok: true, method: 'recovery_code' } : { ok: false, reason: 'invalid' }
  } else {
    result = { ok: false, reason: 'invalid' }
  }
  if (result.ok) await ctx.loginThrottle.secondFactorSucceeded(userId)
  else await ctx.loginThrottle.secondFactorFailed(userId, now)
  return result
}

/** A code of the user's confirmed TOTP key, or one of their recovery codes. */
export async function verifySecondFactor(ctx: ServerContext, userId: string, code: string): Promise<CodeCheck> {
  const credential = await ctx.config.store.records.get(TOTP_CREDENTIAL, userId, ctx.config.now())
  const key = credential ? await openKey(ctx, credential.value) : undefined
  return checkCode(ctx, userId, key, code, true)
}

/**
 * Confirms the pending enrolment with a code of its key: the key becomes the user's second factor
 * (replacing any earlier one) and fresh recovery codes are returned, to be shown once.
 */
export async function confirmEnrolment(ctx: ServerContext, userId: string, code: string): Promise<{ ok: true; recoveryCodes: string[] } | Extract<CodeCheck, { ok: false }>> {
  const now = ctx.config.now()
  const pending = await ctx.config.store.records.get(TOTP_ENROLMENT, userId, now)
  const key = pending ? await openKey(ctx, pending.value) : undefined
  const check = await checkCode(ctx, userId, key, code, false)
  if (!check.ok || !pending) return check.ok ? { ok: false, reason: 'invalid' } : check
  await ctx.config.store.records.put(TOTP_CREDENTIAL, { key: userId, value: pending.value, expiresAt: NEVER, subject: userId }, { replace: true })
  await ctx.config.store.records.delete(TOTP_ENROLMENT, userId)
  return { ok: true, recoveryCodes: await regenerateRecoveryCodes(ctx, userId) }
}

/** New recovery codes for the user, replacing every earlier one; returned once, stored as SHA-256 only. */
export async function regenerateRecoveryCodes(ctx: ServerContext, userId: string): Promise<string[]> {
  await ctx.config.store.records.deleteBySubject(userId, RECOVERY_CODE)
  const now = ctx.config.now()
  const codes: string[] = []
  for (let i = 0; i < RECOVERY_CODE_COUNT; i++) {
    // 50 random bits in ten base32 letters, written 5-5 for reading aloud.
    const code = encodeBase32(randomBytes(7)).slice(0, 10).toLowerCase()
    await ctx.config.store.records.put(RECOVERY_CODE, { key: `${userId}.${sha256(code)}`, value: { created_at: now }, expiresAt: NEVER, subject: userId })
    codes.push(`${code.slice(0, 5)}-${code.slice(5)}`)
  }
  return codes
}

/** Removes the user's second factor: the key, a pending enrolment and the recovery codes. */
export async function removeSecondFactor(store: ServerContext['config']['store'], userId: string): Promise<void> {
  await store.records.delete(TOTP_CREDENTIAL, userId)
  await store.records.delete(TOTP_ENROLMENT, userId)
  await store.records.deleteBySubject(userId, RECOVERY_CODE)
}
