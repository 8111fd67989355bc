import type { AuthorizationCodeRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { ACR_PASSWORD, acrOf } from './assurance.js'
import { GRANT_ASSURANCE, type GrantAssurance } from './records.js'

/**
 * Fixes how the grant's user authenticated when its code is redeemed, for the grant's lifetime (its
 * refresh family lives at most `lifetimes.refreshToken` from now). A code without `amr` comes from a
 * password login of a version before second factors. `urn:tessera:pwd` is the one-factor level, whatever
 * the factor.
 */
export async function recordGrantAssurance(ctx: ServerContext, code: Pick<AuthorizationCodeRecord, 'amr' | 'acr' | 'grant_id' | 'user_id' | 'client_id'>): Promise<GrantAssurance> {
  const amr = code.amr ?? ['pwd']
  // A login that recorded its methods but no level (an upstream's `fed`) reaches what its methods reach.
  const assurance: GrantAssurance = { acr: code.acr ?? acrOf(amr), amr }
  // A password login is what a grant without a record reads as (below): writing it would cost every code
  // exchange a third write transaction for nothing (issue 20). Grant ids are random per code, so no older
  // record can stand in its place.
  if (assurance.acr === ACR_PASSWORD && amr.length === 1 && amr[0] === 'pwd') return assurance
  const expiresAt = ctx.config.now() + ctx.config.lifetimes.refreshToken
  await ctx.config.store.records.put(GRANT_ASSURANCE, { key: code.grant_id, value: assurance, expiresAt, subject: code.user_id, clientId: code.client_id }, { replace: true })
  return assurance
}

/** The grant's authentication as its code fixed it; a grant from before second factors was a password login. */
export async function grantAssurance(ctx: ServerContext, grantId: string): Promise<GrantAssurance> {
  const record = await ctx.config.store.records.get(GRANT_ASSURANCE, grantId, ctx.config.now())
  return record?.value ?? { acr: ACR_PASSWORD, amr: ['pwd'] }
}
