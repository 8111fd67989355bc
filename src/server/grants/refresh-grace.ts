import { openSealedSecret, sealSecret } from '../../jwt/sealed-secret.js'
import type { KeptRefreshSuccessor, RefreshTokenRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'

/*
 * The rotation grace (`lifetimes.refreshTokenReuseGrace`, off by default): RFC 9700 §4.14.2 revokes the
 * family when a rotated refresh token comes back, which also signs out a legitimate client whose response
 * was lost or whose two instances refreshed at once. Within the grace the same client gets the successor
 * of that rotation again — never a second successor, so one family stays one chain. Okta and Auth0 offer
 * the same. The store keeps only hashes, so the successor's value is kept sealed with the server secret,
 * for the grace only (the store erases it at its end).
 */

/** What is sealed: the successor's value and the DPoP key of the rotation, which a repeat must prove too. */
interface SealedSuccessor {
  refresh_token: string
  /** RFC 9449 §5 thumbprint the rotation's proof carried; null without DPoP. */
  jkt: string | null
}

/** Whether a token rotated at `consumedAt` may still be answered with its successor at `now`. */
export function withinReuseGrace(ctx: ServerContext, token: RefreshTokenRecord, now: number): boolean {
  return token.consumed_at !== null && now < token.consumed_at + ctx.config.lifetimes.refreshTokenReuseGrace
}

/** What a rotation keeps of its successor when the grace is on; undefined when it is off. */
export async function keepSuccessor(ctx: ServerContext, refreshToken: string, jkt: string | undefined, now: number): Promise<KeptRefreshSuccessor | undefined> {
  const grace = ctx.config.lifetimes.refreshTokenReuseGrace
  if (grace <= 0) return undefined
  const value: SealedSuccessor = { refresh_token: refreshToken, jkt: jkt ?? null }
  return { sealed: await sealSecret(JSON.stringify(value), ctx.config.secret, 'refresh-successor'), until: now + grace }
}

/**
 * The kept successor's value for a repeat of the rotated token, or undefined when the repeat must be taken
 * as reuse: sealed under a secret no longer configured, or presented without the DPoP key (or with one,
 * where the rotation had none) the rotation proved — a sender-constrained token is not handed to another key.
 */
export async function successorForRepeat(ctx: ServerContext, sealed: string, jkt: string | undefined): Promise<string | undefined> {
  const text = await openSealedSecret(sealed, [ctx.config.secret, ...ctx.config.previousSecrets], 'refresh-successor')
  if (text === undefined) return undefined
  const value = JSON.parse(text) as SealedSuccessor
  return value.jkt === (jkt ?? null) ? value.refresh_token : undefined
}
