import { StorageConflictError, type RecordKind } from '../../storage/types.js'
import type { ValidatedDpopProof } from '../../protocol/rfc9449/proof.js'
import type { ServerContext } from '../context.js'

// Short-lived DPoP state, all through `store.records` so every instance sharing the store sees it and no
// backend changes (docs/architecture.md, Storage).

/** A proof's single use: (key thumbprint, `jti`), kept while its `iat` is inside the window (RFC 9449 §11.1). */
export const DPOP_PROOF: RecordKind<Record<string, never>> = { name: 'dpop-proof' }

/** The key an opaque access token is bound to (RFC 9449 §6.2), keyed by the token's SHA-256. */
export const DPOP_TOKEN_BINDING: RecordKind<{ jkt: string }> = { name: 'dpop-token' }

/** The key a public client's refresh-token family is bound to (RFC 9449 §5), keyed by the grant id. */
export const DPOP_REFRESH_BINDING: RecordKind<{ jkt: string }> = { name: 'dpop-refresh' }

/** Stores the proof's replay mark; false when (key, `jti`) was seen inside the window — by any instance. */
export async function markProofUsed(ctx: ServerContext, proof: ValidatedDpopProof): Promise<boolean> {
  try {
    await ctx.config.store.records.put(DPOP_PROOF, { key: proof.replayKey, value: {}, expiresAt: proof.replayUntil })
    return true
  } catch (error) {
    if (error instanceof StorageConflictError) return false
    throw error
  }
}

export interface Owner {
  subject: string | null
  clientId: string
  expiresAt: number
}

/** Binds an opaque token before its own record is saved, so it never exists unbound. */
export function bindOpaqueToken(ctx: ServerContext, tokenHash: string, jkt: string, owner: Owner): Promise<void> {
  return ctx.config.store.records.put(DPOP_TOKEN_BINDING, { key: tokenHash, value: { jkt }, expiresAt: owner.expiresAt, subject: owner.subject, clientId: owner.clientId }, { replace: true })
}

export async function opaqueTokenJkt(ctx: ServerContext, tokenHash: string, now: number): Promise<string | undefined> {
  return (await ctx.config.store.records.get(DPOP_TOKEN_BINDING, tokenHash, now))?.value.jkt
}

export function bindRefreshFamily(ctx: ServerContext, grantId: string, jkt: string, owner: Owner): Promise<void> {
  return ctx.config.store.records.put(DPOP_REFRESH_BINDING, { key: grantId, value: { jkt }, expiresAt: owner.expiresAt, subject: owner.subject, clientId: owner.clientId }, { replace: true })
}

export async function refreshFamilyJkt(ctx: ServerContext, grantId: string, now: number): Promise<string | undefined> {
  return (await ctx.config.store.records.get(DPOP_REFRESH_BINDING, grantId, now))?.value.jkt
}
