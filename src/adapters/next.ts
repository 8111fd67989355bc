/**
 * `tessera-oidc/next`: Tessera in a Next.js App Router app — the relying party's login, callback and logout
 * routes as one catch-all route handler, the session in server components and route handlers, and
 * `tessera-oidc/resource` protection for route handlers. `next` is an optional peer dependency, imported by
 * this entry point only.
 *
 * @example
 * ```ts
 * // lib/auth.ts
 * export const auth = createNextAuth(() => ({ oauth, appUrl: process.env.APP_URL!, providers: ['tessera'] }))
 * // app/auth/[...tessera]/route.ts
 * export const { GET, POST } = auth.handlers
 * // app/page.tsx (a server component)
 * const session = await auth.getSession()
 * ```
 *
 * @module tessera-oidc/next
 */
// The file itself: `next` has no exports map, and Node's ESM resolution adds no extension.
import { headers } from 'next/headers.js'
import type { OAuth } from '../client/oauth.js'
import { clientRoutes, type ClientRouteHandler, type ClientRoutes, type ClientRoutesOptions, type ClientSession } from '../client/routes.js'
import { BodyTooLargeError, payloadTooLarge, readBounded, toWebResponse } from '../http/web.js'
import { DEFAULT_BODY_LIMIT, type OAuthRequest } from '../http/types.js'
import { mayCarryFormToken } from '../resource/adapter-support.js'
import { ResourceConfigError } from '../resource/config.js'
import { scopeCheck, type AccessRequirement, type ResourceServer } from '../resource/create-resource-server.js'
import type { Principal, VerifyResult } from '../resource/principal.js'

export type { ClientRouteHandler, ClientRoutes, ClientRoutesOptions, ClientSession } from '../client/routes.js'
export type { AccessRequirement, ResourceServer } from '../resource/create-resource-server.js'
export type { Principal } from '../resource/principal.js'

/** Options of `createNextAuth`: the relying party and its routes' options (`appUrl`, `providers`, `basePath`…). */
export interface NextAuthOptions extends ClientRoutesOptions {
  /** The relying party (`createOAuth`), its providers registered. */
  oauth: OAuth
}

/** What `createNextAuth` gives an app. */
export interface NextAuth {
  /** The catch-all route's handlers: `export const { GET, POST } = auth.handlers` in `app/auth/[...tessera]/route.ts`. */
  readonly handlers: { readonly GET: ClientRouteHandler; readonly POST: ClientRouteHandler }
  /**
   * The signed-in user's session, or undefined: in server components, server actions and route handlers
   * (reads the request's cookies with `headers()` from `next/headers`).
   */
  getSession(): Promise<ClientSession | undefined>
  /** The routes themselves, e.g. `routes().callbackUrl('tessera')`, the redirect URI to register. */
  routes(): ClientRoutes
}

/** Where built routes are kept for the whole process (see `createNextAuth`). */
const SHARED = Symbol.for('tessera-oidc/next')

function sharedRoutes(): Map<string, ClientRoutes> {
  const global = globalThis as typeof globalThis & { [SHARED]?: Map<string, ClientRoutes> }
  return (global[SHARED] ??= new Map())
}

/** Settings of `createNextAuth` itself. */
export interface NextAuthSettings {
  /** Tells apart several relying parties in one app; default `default`. */
  name?: string
}

/**
 * The relying party's routes and session for Next.js. `options` may be a function, called on the first
 * request: `next build` loads route modules without the runtime environment, so secrets and URLs are
 * read only when the app serves. The routes are built once per process and kept on `globalThis`: Next.js
 * may evaluate a module once per route bundle (Turbopack does), and a second relying party would have a
 * store of its own — a session started by the callback route would be unknown to the pages.
 *
 * @example
 * ```ts
 * export const auth = createNextAuth(() => {
 *   const oauth = createOAuth({ store: createMemoryClientStore(), secret: process.env.APP_SECRET! })
 *   oauth.register({ name: 'tessera', preset: 'tessera', issuer: process.env.TESSERA_ISSUER!, clientId, clientSecret, scope: 'openid profile' })
 *   return { oauth, appUrl: process.env.APP_URL!, providers: ['tessera'] }
 * })
 * ```
 */
export function createNextAuth(options: NextAuthOptions | (() => NextAuthOptions), settings: NextAuthSettings = {}): NextAuth {
  const name = settings.name ?? 'default'
  const routes = (): ClientRoutes => {
    const shared = sharedRoutes()
    let built = shared.get(name)
    if (!built) {
      const resolved = typeof options === 'function' ? options() : options
      built = clientRoutes(resolved.oauth, resolved)
      shared.set(name, built)
    }
    return built
  }
  // Next.js calls route handlers with (request, { params }): only the request is passed on.
  const handle: ClientRouteHandler = (request) => routes().handle(request)
  return {
    handlers: { GET: handle, POST: handle },
    getSession: async () => {
      // headers() first: while `next build` prerenders a page it throws what marks the page dynamic, before the
      // options (and the secrets they read) are needed.
      const cookie = (await headers()).get('cookie')
      return routes().sessionFromCookies(cookie)
    },
    routes,
  }
}

/** The second argument Next.js passes a route handler: the dynamic segments' values. */
export interface NextRouteContext<Params = Record<string, string | string[]>> {
  params: Promise<Params>
}

/** A protected route handler's second argument: Next.js's, plus the verified token's principal. */
export interface ResourceRouteContext<Params = Record<string, string | string[]>> extends NextRouteContext<Params> {
  principal: Principal
}

/**
 * What `withResource` asks of a request: the scopes and RFC 9470 requirement, and where clients reach the
 * route when Next.js sees another path than theirs.
 */
export interface ResourceRouteOptions extends AccessRequirement {
  /**
   * The path in front of the route's own that clients call but `request.url` lacks: Next.js's `basePath`
   * (route handlers get the URL without it, vercel/next.js#62756) or a prefix a proxy strips, e.g. `/docs`.
   * A DPoP proof's `htu` (RFC 9449 §4.3) is checked against the resource server's `dpop.externalOrigin`
   * (default the audience's origin; never the `Host` or `X-Forwarded-Host` a request claims), then this
   * path, then the one Next.js sees. Default: none.
   */
  externalBasePath?: string
}

/** `externalBasePath` without its trailing slash, checked once when the route is built. */
function checkedBasePath(value: string | undefined): string {
  if (value === undefined) return ''
  if (typeof value !== 'string' || !/^(\/[A-Za-z0-9._~%!$&'()*+,;=:@-]+)*\/?$/.test(value)) {
    throw new ResourceConfigError('externalBasePath', `must be a path such as "/docs", got ${JSON.stringify(value)}`)
  }
  return value.replace(/\/$/, '')
}

/**
 * The request as the resource server reads it, its path as clients called it (`basePath` in front); the
 * body (from a clone) only when it may carry the token (RFC 6750 §2.2).
 */
async function toOAuthRequest(request: Request, basePath: string): Promise<OAuthRequest> {
  const url = new URL(request.url)
  if (basePath !== '') url.pathname = `${basePath}${url.pathname}`
  const converted: OAuthRequest = { method: request.method, url, href: basePath === '' ? request.url : url.href, headers: request.headers }
  if (!mayCarryFormToken(request.method, () => request.headers.get('content-type'))) return converted
  if (Number(request.headers.get('content-length') ?? '0') > DEFAULT_BODY_LIMIT) throw new BodyTooLargeError()
  converted.body = await readBounded(request.clone().body, DEFAULT_BODY_LIMIT)
  return converted
}

/**
 * Protects a route handler with `tessera-oidc/resource`: the request needs a valid access token granting
 * every scope in `requirement.scopes` (and, with `acrValues`/`maxAge`, the user's authentication RFC 9470
 * asks for); the handler then gets the token's principal, otherwise the answer is the exact RFC 6750 §3
 * (or RFC 9449, RFC 9470) challenge. `rs` may be a function, called on the first request (as
 * `createNextAuth`'s options, so that `next build` needs no configuration). Behind a `basePath` or a proxy
 * that strips a prefix, `externalBasePath` names it, so that DPoP proofs made for the public URL pass.
 *
 * @example
 * ```ts
 * // app/api/me/route.ts
 * export const GET = withResource(rs, (request, { principal }) => Response.json({ sub: principal.subject }), { scopes: ['notes:read'] })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export function withResource<Params = Record<string, string | string[]>>(
  rs: ResourceServer | (() => ResourceServer),
  handler: (request: Request, context: ResourceRouteContext<Params>) => Response | Promise<Response>,
  options: ResourceRouteOptions = {},
): (request: Request, context: NextRouteContext<Params>) => Promise<Response> {
  const { externalBasePath, ...requirement } = options
  const basePath = checkedBasePath(externalBasePath)
  const stepUp = requirement.acrValues !== undefined || requirement.maxAge !== undefined
  let check: ((request: OAuthRequest) => VerifyResult | Promise<VerifyResult>) | undefined
  const checker = (): ((request: OAuthRequest) => VerifyResult | Promise<VerifyResult>) => {
    if (!check) {
      const server = typeof rs === 'function' ? rs() : rs
      check = stepUp ? server.requireAccess(requirement) : scopeCheck(server, requirement.scopes ?? [])
    }
    return check
  }
  return async (request, context) => {
    let converted: OAuthRequest
    try {
      converted = await toOAuthRequest(request, basePath)
    } catch (error) {
      if (error instanceof BodyTooLargeError) return payloadTooLarge()
      throw error
    }
    const result = await checker()(converted)
    if (!result.ok) return toWebResponse(result.response)
    return handler(request, { ...context, principal: result.principal })
  }
}
