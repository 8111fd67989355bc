import { passkeyCredentials } from '../../storage/kinds/passkeys.js'
import type { ServerContext } from '../context.js'

/**
 * Whether the user can pass the second step with a passkey: the passkey capability is registered
 * (src/server/passkeys/) and the user has one. A passkey counts as a second factor like TOTP, so a user
 * with only a passkey is not sent to TOTP enrolment when policy requires two factors.
 */
export async function hasPasskey(ctx: ServerContext, userId: string): Promise<boolean> {
  if (ctx.urls.passkeys === undefined) return false
  return (await passkeyCredentials(ctx.config.store.records).listByUser(userId)).length > 0
}
