import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import type { AdminOptions } from '../admin-options.js'
import type { AuditEvent } from '../audit/events.js'
import type { AuditSink } from '../audit/sink.js'
import type { ServerContext } from '../context.js'
import type { AdminCaller } from './guard.js'
import type { RouteScope } from './scopes.js'

/** What an operation's handler receives: the request, its path parameters and query, and who calls. */
export interface AdminCall {
  readonly ctx: ServerContext
  readonly request: OAuthRequest
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly caller: AdminCaller
  /** The API's URL (`<issuer>/admin/v1`, or its own listener's): what `Location` headers start with. */
  readonly base: string
  /** For the admin functions: the server's rules and secret, and an audit sink naming the caller. */
  readonly admin: AdminOptions & { audit: AuditSink }
}

/** One operation of the admin API, as the OpenAPI document names it (`operationId`). */
export interface AdminOperation {
  readonly id: string
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** Path template below `/admin/v1`: `/clients/{client_id}`. */
  readonly path: string
  readonly scope: RouteScope
  handle(call: AdminCall): Promise<OAuthResponse>
}

/**
 * The audit sink of one admin call: every event it records names the caller — `actor_client_id`, and
 * `actor_sub` for a user's token — besides `actor: 'admin'`, whichever admin function records it.
 */
export function callerAudit(ctx: ServerContext, caller: AdminCaller): AuditSink {
  const extra = { actor_client_id: caller.clientId, ...(caller.userId !== undefined ? { actor_sub: caller.userId } : {}) }
  return {
    record: (event) => ctx.audit.record({ ...event, ...extra } as AuditEvent),
    flush: () => ctx.audit.flush(),
  }
}
