import type { OAuthRequest } from '../../http/types.js'
import type { SafeHtml } from '../../ui/index.js'
import type { ServerContext } from '../context.js'

/**
 * The contract between the admin console's frame (sign-in, session, CSRF, layout, routing: `index.ts`) and
 * its pages (one module per section). Pages never touch the store: everything they show or change goes
 * through the admin API (`/admin/v1`), called in process with the signed-in admin's own access token, so
 * the console can do exactly what that admin's token may do and every change is audited with that actor.
 */

/** The admin API's answer to one call. */
export interface AdminApiAnswer {
  readonly status: number
  readonly headers: Headers
  /** The parsed JSON body (an RFC 9457 problem for errors), or undefined when there is none (204). */
  readonly body: unknown
}

/** The methods the admin API's operations use. */
export type AdminApiMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

/** One request of a signed-in admin, as a page sees it. */
export interface ConsoleRequest {
  readonly ctx: ServerContext
  readonly request: OAuthRequest
  /** The signed-in admin: `sub` and a display name. */
  readonly admin: { readonly sub: string; readonly name: string }
  /** Every form posts it back as `csrf_token`; a POST reaches its page only after the frame checked it and the origin. */
  readonly csrfToken: string
  /** The path's `{name}` segments, percent-decoded. */
  readonly params: Readonly<Record<string, string>>
  /** The query string (GET) — fixed notice names, filters, paging cursors. */
  readonly query: URLSearchParams
  /** The form of a POST (already checked), empty for GET. */
  readonly form: URLSearchParams
  /** True when the admin signed in within the console's fresh-authentication window (key rotation needs it). */
  readonly recentlyAuthenticated: boolean
  /** Calls `/admin/v1{path}` with the admin's token; `path` starts with `/`, e.g. `/users/abc/sessions`. */
  api(method: AdminApiMethod, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<AdminApiAnswer>
}

/** What a page answers; the frame adds the layout, navigation, security headers and cookies. */
export type ConsoleResult =
  /** A page: `body` goes inside the console layout under an `<h1>` of `title`. */
  | { readonly kind: 'page'; readonly title: string; readonly body: SafeHtml; readonly status?: number }
  /** 303 to a console path (below `/admin`, e.g. `/users/abc?notice=session-revoked`); never a secret in it. */
  | { readonly kind: 'redirect'; readonly to: string }
  /** The action needs a recent sign-in: the frame re-authenticates the admin (`max_age=0`) and comes back to `returnTo`. */
  | { readonly kind: 'fresh-auth'; readonly returnTo: string }

/** Sections of the navigation, in the order shown. */
export const CONSOLE_SECTIONS = ['clients', 'users', 'keys', 'audit', 'registration'] as const
/** One section of the navigation. */
export type ConsoleSection = (typeof CONSOLE_SECTIONS)[number]

/** One route of the console. */
export interface ConsolePage {
  readonly method: 'GET' | 'POST'
  /** Below `/admin`, `{name}` for one path segment: `/users/{id}`. */
  readonly path: string
  /** The navigation entry shown as current. */
  readonly section: ConsoleSection
  /** Answers the request; the frame has already checked the session, and for a POST the origin and CSRF token. */
  readonly handle: (request: ConsoleRequest) => Promise<ConsoleResult>
}
