import { backchannelLogoutMetadata, type BackchannelLogoutClientMetadata } from '../../protocol/oidc-backchannel-logout/client-metadata.js'
import type { ServerContext } from '../context.js'

/** The name `backchannelLogout()` registers under; other capabilities ask the registry for it. */
export const BACKCHANNEL_LOGOUT_CAPABILITY = 'backchannel-logout'

/**
 * The §2.2 members of a registration or RFC 7592 update body, validated (`invalid_client_metadata`), or
 * undefined when the server has no back-channel logout: then they are ignored like any member the
 * server does not support (RFC 7591 §2).
 */
export function registeredBackchannelLogout(ctx: ServerContext, body: unknown): BackchannelLogoutClientMetadata | undefined {
  if (!ctx.registry.capabilities.some((capability) => capability.name === BACKCHANNEL_LOGOUT_CAPABILITY)) return undefined
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {}
  return backchannelLogoutMetadata(fields, { allowLoopbackHttp: ctx.config.outbound.allowLoopback === true })
}
