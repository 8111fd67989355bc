import { randomToken } from '../../crypto/random.js'
import { guardedFetch, OutboundRequestError } from '../../http/guarded-fetch.js'
import { signJwt } from '../../jwt/sign.js'
import { LOGOUT_TOKEN_TYPE, logoutTokenClaims } from '../../protocol/oidc-backchannel-logout/logout-token.js'
import type { EndedSession, ServerContext, SessionEndReason } from '../context.js'
import { findClient } from '../find-client.js'
import './audit-events.js'
import type { ResolvedBackchannelLogoutOptions } from './options.js'
import { clientBackchannelLogout, SESSION_CLIENT, type SessionClient } from './records.js'

/** One logout token to send: which client, for which session. */
interface Target {
  clientId: string
  sid: string
  userId: string
  reason: SessionEndReason
}

/**
 * §2.3: the clients with a back-channel URI that were issued codes in these sessions. Store reads only,
 * made before the sessions (or their user, whose records go with them) are deleted; the records are
 * removed so that each session is announced once.
 */
export async function logoutTargets(ctx: ServerContext, sessions: readonly EndedSession[], reason: SessionEndReason): Promise<Target[]> {
  const targets: Target[] = []
  for (const userId of new Set(sessions.map((session) => session.user_id))) {
    const sids = new Set(sessions.filter((session) => session.user_id === userId).map((session) => session.sid))
    const served = await ctx.config.store.records.listBySubject<SessionClient>(SESSION_CLIENT, userId)
    for (const record of served) {
      if (!sids.has(record.value.sid)) continue
      targets.push({ clientId: record.value.client_id, sid: record.value.sid, userId, reason })
      await ctx.config.store.records.delete(SESSION_CLIENT, record.key)
    }
  }
  return targets
}

/** Waits `seconds` without keeping the process alive for it. */
function pause(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000).unref())
}

/** Whether a failed attempt is worth repeating: server errors and timeouts are, a client's refusal (4xx) is not. */
function retryable(status: number | null, error: unknown): boolean {
  if (status !== null) return status >= 500
  return error instanceof OutboundRequestError ? error.code === 'timeout' || error.code === 'unreachable' : true
}

type Attempt = { ok: true; status: number } | { ok: false; status: number | null; error: string; retry: boolean }

async function attempt(ctx: ServerContext, options: ResolvedBackchannelLogoutOptions, target: Target): Promise<Attempt | undefined> {
  const client = await findClient(ctx, target.clientId)
  const settings = await clientBackchannelLogout(ctx.config.store.records, target.clientId, ctx.config.now())
  // The client was deleted, disabled or unregistered its URI since: nobody to tell.
  if (!client || client.disabled || !settings) return undefined
  const key = await ctx.keys.signingKey(client.id_token_signed_response_alg)
  const claims = logoutTokenClaims({
    issuer: ctx.config.issuer, clientId: client.client_id, subject: target.userId, sessionId: target.sid,
    now: ctx.config.now(), lifetime: options.tokenLifetime, jti: randomToken(16),
  })
  const token = await signJwt({ ...claims }, key, LOGOUT_TOKEN_TYPE)
  try {
    // §2.5: a form POST, no cookies or client credentials; the guard refuses redirects, special-use
    // destinations (checked on the resolved addresses) and large answers (catalogue BL-02).
    const answer = await guardedFetch(settings.backchannel_logout_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ logout_token: token }).toString(),
      timeoutMs: options.timeoutMs,
      maxBytes: 4096,
    }, ctx.config.outbound)
    // §2.8: the RP answers 200 (or 204 as some do) on success, 400 when it refused the token.
    if (answer.status >= 200 && answer.status < 300) return { ok: true, status: answer.status }
    return { ok: false, status: answer.status, error: `HTTP ${answer.status}`, retry: retryable(answer.status, undefined) }
  } catch (error) {
    const code = error instanceof OutboundRequestError ? error.code : 'error'
    return { ok: false, status: null, error: code, retry: retryable(null, error) }
  }
}

/** One client's delivery: the first attempt now, bounded retries with backoff, each audited. */
async function deliver(ctx: ServerContext, options: ResolvedBackchannelLogoutOptions, target: Target): Promise<void> {
  const attempts = options.retryDelays.length + 1
  for (let number = 1; number <= attempts; number++) {
    const result = await attempt(ctx, options, target)
    if (result === undefined) return
    const base = { client_id: target.clientId, user_id: target.userId, sid: target.sid, attempt: number, reason: target.reason }
    if (result.ok) {
      await ctx.audit.record({ type: 'backchannel_logout.sent', ...base, status: result.status })
      return
    }
    const final = !result.retry || number === attempts
    await ctx.audit.record({ type: 'backchannel_logout.failed', ...base, status: result.status, error: result.error, final })
    if (final) return
    await pause(options.retryDelays[number - 1] ?? 0)
  }
}

/**
 * Starts every delivery in the background and returns at once: the user's logout never waits for a
 * relying party (catalogue BL-03), and one slow party does not hold up the others. Deliveries in flight
 * are tracked so `settled` can wait for them (tests, orderly shutdown).
 */
export function startDeliveries(ctx: ServerContext, options: ResolvedBackchannelLogoutOptions, targets: readonly Target[], inFlight: Set<Promise<void>>): void {
  for (const target of targets) {
    const delivery = deliver(ctx, options, target)
      .catch((error: unknown) => ctx.config.logger?.error({ err: error, client_id: target.clientId }, 'back-channel logout delivery failed'))
      .finally(() => inFlight.delete(delivery))
    inFlight.add(delivery)
  }
}
