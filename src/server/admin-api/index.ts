import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { StorageConflictError, StorageUnavailableError } from '../../storage/types.js'
import { ValidationError } from '../admin.js'
import { ConfigError } from '../config.js'
import type { Capability, ServerContext } from '../context.js'
import { ADMIN_API_AUDIT_EVENTS } from './audit-events.js'
import { AUDIT_OPERATIONS } from './audit.js'
import { CLIENT_OPERATIONS } from './clients.js'
import { authorizeAdmin, resourceServerOf, type AdminUsers } from './guard.js'
import { KEY_OPERATIONS } from './keys.js'
import { openApiDocument } from './openapi.js'
import { callerAudit, type AdminOperation } from './operation.js'
import { AdminProblem, problemResponse } from './problem.js'
import { REGISTRATION_OPERATIONS } from './registration.js'
import { USER_OPERATIONS } from './users.js'

export { ADMIN_SCOPES, type AdminScope } from './scopes.js'
export type { AdminOperation } from './operation.js'

/** Every operation of the admin API; the OpenAPI document lists exactly these (and itself). */
export const ADMIN_OPERATIONS: readonly AdminOperation[] = [...CLIENT_OPERATIONS, ...USER_OPERATIONS, ...KEY_OPERATIONS, ...AUDIT_OPERATIONS, ...REGISTRATION_OPERATIONS]

const PREFIX = '/admin/v1'

interface CompiledRoute {
  readonly operation: AdminOperation
  readonly pattern: RegExp
  readonly names: readonly string[]
}

const ROUTES: readonly CompiledRoute[] = ADMIN_OPERATIONS.map((operation) => {
  const names = [...operation.path.matchAll(/\{([a-z_]+)\}/g)].map((match) => match[1] ?? '')
  const source = operation.path.replace(/\{[a-z_]+\}/g, '([^/]{1,768})')
  return { operation, names, pattern: new RegExp(`^${source}$`) }
})

/** The operation a method and path (below `/admin/v1`) name, or the methods the path allows. */
function match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | { allowed: string[] } {
  const allowed: string[] = []
  for (const route of ROUTES) {
    const found = route.pattern.exec(path)
    if (!found) continue
    if (route.operation.method !== method) {
      allowed.push(route.operation.method)
      continue
    }
    const params: Record<string, string> = {}
    for (const [index, name] of route.names.entries()) {
      let value: string
      try {
        value = decodeURIComponent(found[index + 1] ?? '')
      } catch {
        throw new AdminProblem(400, `the ${name} in the path is not valid percent-encoding`)
      }
      if (value.length === 0 || value.length > 256) throw new AdminProblem(400, `the ${name} in the path must be 1 to 256 characters`)
      params[name] = value
    }
    return { route, params }
  }
  return { allowed }
}

const documents = new WeakMap<ServerContext, string>()

/** How the API finds its own URL: `adminApi({ url })`, else below the issuer. */
type UrlOf = (ctx: ServerContext) => string

async function answer(ctx: ServerContext, request: OAuthRequest, rest: string, admins: AdminUsers, urlOf: UrlOf): Promise<OAuthResponse> {
  const method = request.method === 'HEAD' ? 'GET' : request.method
  const base = urlOf(ctx)
  if (rest === '/openapi.json') {
    if (method !== 'GET') throw new AdminProblem(405, 'The document is read with GET', undefined, { Allow: 'GET' })
    let document = documents.get(ctx)
    if (document === undefined) {
      document = JSON.stringify(openApiDocument(base, ctx.urls, ADMIN_OPERATIONS))
      documents.set(ctx, document)
    }
    return { status: 200, headers: new Headers({ 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' }), body: document }
  }
  const found = match(method, rest)
  if ('allowed' in found) {
    if (found.allowed.length === 0) throw new AdminProblem(404, 'No admin API operation at this path')
    throw new AdminProblem(405, `This path allows ${found.allowed.join(', ')}`, undefined, { Allow: found.allowed.join(', ') })
  }
  const { route, params } = found
  // The token and its scope first: without them nothing tells whether an id exists (catalogue AC-07).
  const caller = await authorizeAdmin(ctx, request, route.operation.scope, admins)
  if (!('principal' in caller)) return caller
  const audit = callerAudit(ctx, caller)
  return route.operation.handle({
    ctx, request, params, query: request.url.searchParams, caller, base,
    admin: { audit, actor: 'admin', registry: ctx.registry, secret: ctx.config.secret },
  })
}

/** One request below `/admin/v1`: every failure as problem details, never an OAuth error body or a stack. */
async function handle(ctx: ServerContext, request: OAuthRequest, rest: string, admins: AdminUsers, urlOf: UrlOf): Promise<OAuthResponse> {
  try {
    return await answer(ctx, request, rest, admins, urlOf)
  } catch (error) {
    if (error instanceof AdminProblem) return problemResponse(error)
    if (error instanceof ValidationError) return problemResponse(new AdminProblem(400, error.message))
    if (error instanceof StorageConflictError) return problemResponse(new AdminProblem(409, 'An object with this id or name exists already'))
    if (error instanceof StorageUnavailableError) {
      ctx.config.logger?.warn({ err: error, backend: error.backend, path: request.url.pathname }, 'storage unavailable')
      return problemResponse(new AdminProblem(503, 'The store cannot be reached for now; try again shortly', undefined, { 'Retry-After': '5' }))
    }
    ctx.config.logger?.error({ err: error, path: request.url.pathname }, 'admin API: unhandled error')
    return problemResponse(new AdminProblem(500, 'The server could not complete the request'))
  }
}

/** Options of `adminApi()`. */
export interface AdminApiOptions {
  /**
   * The users whose own tokens the admin API takes, by user id or username (resolved at each request). A user
   * token of anyone else is refused with 403 whatever its scopes; client-credentials tokens need no entry.
   * Default: none, so only client-credentials tokens work.
   */
  readonly admins?: readonly string[] | undefined
  /**
   * The API's own URL when it is served on a listener of its own rather than below the issuer (`tessera-oidc
   * serve --admin-api-listen`), for `Location` headers and the OpenAPI document's `servers`; a function when
   * the port is known only once listening. Default `<issuer>/admin/v1`.
   */
  readonly url?: string | (() => string | undefined) | undefined
}

/**
 * The admin HTTP API under `/admin/v1`: clients, users with their sessions, consents, grants and second
 * factor, signing keys, the audit trail and initial access tokens — each operation a call of the same
 * admin functions the CLI uses (src/server/admin.ts and its siblings), so the rules live once. Callers
 * present this server's own access tokens with admin scopes (`ADMIN_SCOPES`), checked in process by
 * `tessera-oidc/resource`, Bearer or DPoP-bound; every change is audited with the calling client (and
 * user). JSON only, state changes only by POST, PATCH and DELETE with a token in the `Authorization`
 * header — no cookie is ever read, so a cross-site request cannot act. A user's token (one signed in at a
 * client registered for admin scopes) is taken only when `admins` names that user. The OpenAPI 3.1
 * document is at `/admin/v1/openapi.json`.
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [adminApi({ admins: ['alice'] })] })
 * // tessera-oidc client create --name ops --grant client_credentials --scope "admin:read admin:write"
 * ```
 * @see README "Admin API"
 */
export function adminApi(options: AdminApiOptions = {}): Capability {
  const admins = new Set<string>()
  for (const [index, entry] of (options.admins ?? []).entries()) {
    if (typeof entry !== 'string' || entry.trim() === '') throw new ConfigError(`adminApi.admins[${index}]`, `must be a user id or username, got ${JSON.stringify(entry)}`)
    admins.add(entry)
  }
  const { url } = options
  const urlOf: UrlOf = (ctx) => (typeof url === 'function' ? url() : url) ?? `${ctx.config.issuer.replace(/\/+$/, '')}/admin/v1`
  return {
    name: 'admin-api',
    spec: 'OpenAPI 3.1, RFC 9457, RFC 6750, RFC 9110 §13 (conditional requests)',
    endpoints: [
      {
        name: 'adminApi',
        path: PREFIX,
        // PATCH is not a router method: the operations table answers methods itself (405 with Allow).
        below: [{ pattern: /^(\/.*)$/, handle: (ctx, request, captures) => handle(ctx, request, captures[0] ?? '/', admins, urlOf) }],
      },
      {
        // RFC 9728 §3.1: the metadata of the resource the admin API's tokens name (the issuer), where the
        // `resource_metadata` of its challenges points.
        name: 'adminApiResourceMetadata',
        path: '/.well-known/oauth-protected-resource',
        methods: ['GET'],
        handle: (ctx, request) => resourceServerOf(ctx).metadataResponse(request),
      },
    ],
    auditEvents: ADMIN_API_AUDIT_EVENTS,
  }
}
