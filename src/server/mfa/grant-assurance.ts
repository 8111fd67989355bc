import type { AuthorizationCodeRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { ACR_PASSWORD } from './assurance.js'
import { GRANT_ASSURANCE, type GrantAssurance } from './records.js'

/**
 * Fixes how the grant's user authenticated when its code is redeemed, for the grant's lifetime (its
 * refresh family lives at most `lifetimes.refreshToken` from now). A code without `amr` comes from a
 * password login of a version before second factors.
 */
export async function recordGrantAssurance(ctx: ServerContext, code: AuthorizationCodeRecord): Promise<GrantAssurance> {
  const amr = code.amr ?? ['pwd']
  const assurance: GrantAssurance = { acr: code.acr ?? ACR_PASSWORD, amr }
  const expiresAt = ctx.config.now() + ctx.config.lifetimes.refreshToken
  await ctx.config.store.records.put(GRANT_ASSURANCE, { key: code.grant_id, value: assurance, expiresAt, subject: code.user_id, clientId: code.client_id }, { replace: true })
  return assurance
}

/** The grant's authentication as its code fixed it; a grant from before second factors was a password login. */
export async function grantAssurance(ctx: ServerContext, grantId: string): Promise<GrantAssurance> {
  const record = await ctx.config.store.records.get(GRANT_ASSURANCE, grantId, ctx.config.now())
  return record?.value ?? { acr: ACR_PASSWORD, amr: ['pwd'] }
}
