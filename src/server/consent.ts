import { isSubset } from '../protocol/rfc6749/scope.js'
import type { ClientRecord } from '../storage/types.js'
import type { ServerContext } from './context.js'

/**
 * Whether the user must be asked: always for `prompt=consent`, never for first-party clients the operator
 * marked `skip_consent`, otherwise unless an earlier consent covers every requested scope.
 */
export async function consentRequired(ctx: ServerContext, client: ClientRecord, userId: string, scopes: readonly string[], forced: boolean): Promise<boolean> {
  if (forced) return true
  if (client.skip_consent) return false
  const consent = await ctx.config.store.consents.get(userId, client.client_id)
  return !consent || !isSubset(scopes, consent.scopes)
}
