import type { Capability, EndedSession, ServerContext, SessionEndReason } from '../context.js'
import { BACKCHANNEL_LOGOUT_AUDIT_EVENTS } from './audit-events.js'
import { logoutTargets, startDeliveries } from './deliver.js'
import { resolveBackchannelLogoutOptions, type BackchannelLogoutOptions } from './options.js'
import { clientBackchannelLogout, SESSION_CLIENT } from './records.js'
import { BACKCHANNEL_LOGOUT_CAPABILITY } from './registration.js'
import { takeQueuedLogouts } from './queue.js'

export { queueBackchannelLogout } from './queue.js'

export { backchannelLogoutInformation, clientBackchannelLogout, setClientBackchannelLogout, CLIENT_BACKCHANNEL_LOGOUT, type BackchannelLogoutSettings } from './records.js'
export type { BackchannelLogoutOptions } from './options.js'

/** The back-channel logout capability with a way to wait for its deliveries in flight. */
export interface BackchannelLogoutCapability extends Capability {
  /** Resolves once every delivery started so far (retries included) has finished. */
  settled(): Promise<void>
}

/**
 * OpenID Connect Back-Channel Logout 1.0 at the provider: when a provider session ends (RP-initiated
 * logout, sessions signed out on the account page, a password change or reset), every client with a
 * registered `backchannel_logout_uri` that was issued a code in that session gets a signed logout token
 * (`typ: logout+jwt`, `sid` and `sub`) by form POST through the SSRF guard. The first attempt starts
 * right after the user's answer is ready and never delays it; 5xx and timeouts are retried with backoff,
 * in this process (a restart drops the retries still waiting); each attempt is audited.
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [backchannelLogout()] })
 * await setClientBackchannelLogout(store, 'notes', { backchannel_logout_uri: 'https://notes.example/bcl', backchannel_logout_session_required: true })
 * ```
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html
 */
export function backchannelLogout(options: BackchannelLogoutOptions = {}): BackchannelLogoutCapability {
  const resolved = resolveBackchannelLogoutOptions(options)
  const inFlight = new Set<Promise<void>>()
  return {
    name: BACKCHANNEL_LOGOUT_CAPABILITY,
    spec: 'OpenID Connect Back-Channel Logout 1.0',
    // §2.1: `sid` is in every ID token issued in a provider session and in every logout token.
    metadata: () => ({ backchannel_logout_supported: true, backchannel_logout_session_supported: true }),
    auditEvents: BACKCHANNEL_LOGOUT_AUDIT_EVENTS,
    sessionListener: {
      async served(ctx: ServerContext, session: { sid: string; userId: string }, clientId: string): Promise<void> {
        const now = ctx.config.now()
        if (!(await clientBackchannelLogout(ctx.config.store.records, clientId, now))) return
        await ctx.config.store.records.put(SESSION_CLIENT, {
          key: `${session.sid} ${clientId}`, value: { sid: session.sid, client_id: clientId },
          expiresAt: now + ctx.config.lifetimes.session, subject: session.userId, clientId,
        }, { replace: true })
      },
      async ended(ctx: ServerContext, sessions: readonly EndedSession[], reason: SessionEndReason): Promise<void> {
        startDeliveries(ctx, resolved, await logoutTargets(ctx, sessions, reason), inFlight)
      },
    },
    async background(ctx: ServerContext): Promise<void> {
      const queued = await takeQueuedLogouts(ctx.config.store.records, ctx.config.now())
      const targets = queued.map((entry) => ({ clientId: entry.client_id, sid: entry.sid, userId: entry.user_id, reason: entry.reason }))
      startDeliveries(ctx, resolved, targets, inFlight)
    },
    async settled(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    },
  }
}
