import { createResourceServer, recordsDpopReplayStore, type Principal, type ResourceServer } from '../../resource/index.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import type { ServerContext } from '../context.js'
import { introspectLocally } from '../endpoints/introspect.js'
import { findClient } from '../find-client.js'
import { AdminProblem, problemResponse } from './problem.js'
import { ADMIN_SCOPES, grantsScope, type RouteScope } from './scopes.js'

/** Who called the admin API: the client, and the user when the token is a user's. */
export interface AdminCaller {
  readonly principal: Principal
  /** `client_id` of the token: the actor's client. */
  readonly clientId: string
  /** The user's `sub` for a user token; undefined for client credentials (whose `sub` is the client). */
  readonly userId: string | undefined
}

const resourceServers = new WeakMap<ServerContext, ResourceServer>()

/**
 * The server's own tokens, checked as any API of it would check them (`tessera-oidc/resource`), but in
 * process: JWT access tokens against the JWKS endpoint's answer taken from the server's own handler, opaque
 * ones with `introspectLocally` — no HTTP to itself. The audience is the issuer: a token that names no
 * configured API gets `aud` = issuer (src/server/resources/target.ts), and admin scopes belong to no API.
 */
export function resourceServerOf(ctx: ServerContext): ResourceServer {
  const existing = resourceServers.get(ctx)
  if (existing) return existing
  const jwksPath = new URL(ctx.urls.jwks).pathname.slice(ctx.config.basePath.length) || '/'
  const localFetch = async (input: string | URL | Request): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    // Only the key set is ever asked for (jwksUri is given, so no discovery request is made).
    if (url.href !== ctx.urls.jwks) return new Response(null, { status: 404 })
    const route = ctx.registry.route(jwksPath)
    if (!route) return new Response(null, { status: 404 })
    const answer = await route.handle(ctx, { method: 'GET', url, headers: new Headers() }, route.captures)
    return new Response(typeof answer.body === 'string' || answer.body === undefined ? (answer.body ?? null) : Buffer.from(answer.body), { status: answer.status, headers: answer.headers })
  }
  const rs = createResourceServer({
    issuer: ctx.config.issuer,
    audience: ctx.config.issuer,
    jwksUri: ctx.urls.jwks,
    introspect: (token) => introspectLocally(ctx, token),
    fetch: localFetch as typeof fetch,
    // The key set is this server's own, fetched in process: after a key rotation the first token signed with
    // a new key must find it at once, not wait out a cooldown meant to spare a remote JWKS endpoint.
    jwksCooldown: 0,
    now: ctx.config.now,
    scopesSupported: Object.keys(ADMIN_SCOPES),
    // RFC 9449 §7: DPoP-bound tokens with a proof; the proofs' replay marks are kept in the store, so every instance sees them.
    dpop: { replayStore: recordsDpopReplayStore(ctx.config.store.records) },
  })
  resourceServers.set(ctx, rs)
  return rs
}

/** The users whose tokens the admin API takes: user ids or usernames, as the operator named them. */
export type AdminUsers = ReadonlySet<string>

/**
 * The caller of an admin route, or the refusal: 401 without a valid token (with its RFC 6750 challenge),
 * 403 `insufficient_scope` when the token lacks the route's scope, and a 403 problem when the token is a
 * user's and that user is not one of `admins`. A JWT access token is also asked about at the server itself
 * (`introspectLocally`): a revoked grant, a disabled or deleted client or user ends admin access at once
 * rather than at `exp`.
 */
export async function authorizeAdmin(ctx: ServerContext, request: OAuthRequest, scope: RouteScope, admins: AdminUsers): Promise<AdminCaller | OAuthResponse> {
  const rs = resourceServerOf(ctx)
  const verified = await rs.verify(request)
  if (!verified.ok) return verified.response
  const { principal } = verified
  const token = presentedToken(request)
  if (token !== undefined && token.split('.').length === 3 && !(await introspectLocally(ctx, token)).active) {
    rs.revoke(token)
    // The resource server's own 401 `invalid_token` and challenge, for a value no server could know.
    const refused = await rs.verify({ ...request, headers: new Headers({ authorization: 'Bearer revoked' }) })
    if (!refused.ok) return refused.response
  }
  if (!grantsScope(principal.scopes, scope)) return forbidden(rs, principal, scope)
  // Defence in depth: admin scopes are only ever granted to clients the operator registered.
  // findClient: the admin console's built-in client (a client source, never stored) is registered by the operator too.
  const client = await findClient(ctx, principal.clientId).catch(() => undefined)
  if (!client || client.registered_by !== 'operator' || client.disabled) return forbidden(rs, principal, scope)
  const userId = principal.subject === principal.clientId ? undefined : principal.subject
  if (userId !== undefined && !(await isAdministrator(ctx, userId, admins))) {
    // Secure by default: whoever signs in at a client registered for admin scopes gets them in a user token,
    // so the user must be named too. No challenge: another token of the same user would not do either.
    return problemResponse(new AdminProblem(403, 'The token is a user\'s, and this user is not an administrator of this server (adminApi admins)'))
  }
  return { principal, clientId: principal.clientId, userId }
}

/** Whether the operator named the user, by id or by username (usernames never change, ids are never reused). */
async function isAdministrator(ctx: ServerContext, userId: string, admins: AdminUsers): Promise<boolean> {
  if (admins.size === 0) return false
  const user = await ctx.config.store.users.get(userId)
  return user !== undefined && (admins.has(user.id) || admins.has(user.username))
}

function forbidden(rs: ResourceServer, principal: Principal, scope: RouteScope): OAuthResponse {
  const refused = rs.checkScopes({ ...principal, scopes: [] }, [scope])
  if (refused.ok) throw new Error('an empty scope list granted a scope')
  return refused.response
}

function presentedToken(request: OAuthRequest): string | undefined {
  const match = /^(?:Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(request.headers.get('authorization') ?? '')
  return match?.[1]
}
