import type { OAuthResponse } from '../../http/types.js'
import { ADMIN_CONSOLE_SCRIPT } from '../../ui/index.js'
import type { Capability } from '../context.js'
import { AUDIT_PAGES } from './audit.js'
import { CLIENT_PAGES } from './clients.js'
import { compilePages, dispatch } from './frame.js'
import { KEY_PAGES } from './keys.js'
import { REGISTRATION_PAGES } from './registration.js'
import { consoleClientSource } from './sign-in.js'
import type { ConsolePage } from './types.js'
import { USER_PAGES } from './users.js'

export { ADMIN_CONSOLE_CLIENT_ID } from './sign-in.js'
export { CONSOLE_SECTIONS, type AdminApiAnswer, type AdminApiMethod, type ConsolePage, type ConsoleRequest, type ConsoleResult, type ConsoleSection } from './types.js'

/** Every page of the console, one list per section module. */
const PAGES: readonly ConsolePage[] = [...CLIENT_PAGES, ...USER_PAGES, ...KEY_PAGES, ...AUDIT_PAGES, ...REGISTRATION_PAGES]

/** The console's one script as a static asset, typed exactly and `nosniff` (see src/server/passkeys/script.ts). */
function scriptResponse(): OAuthResponse {
  const headers = new Headers({
    'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=3600',
    'X-Content-Type-Options': 'nosniff', 'Cross-Origin-Resource-Policy': 'same-origin',
  })
  return { status: 200, headers, body: ADMIN_CONSOLE_SCRIPT }
}

/** Options of `adminConsole()`. */
export interface AdminConsoleOptions {
  /**
   * Admins must sign in with a second factor: the console asks `/authorize` for the two-factor level
   * (`acr_values`) and refuses a sign-in whose ID token does not reach it. Default false (the login's own
   * rules apply: `requireMfa` of the server, the user's or the client's).
   */
  readonly requireMfa?: boolean | undefined
}

/** The console with these pages (`adminConsole()` has them all; tests add their own). */
export function consoleWithPages(pages: readonly ConsolePage[], options: AdminConsoleOptions = {}): Capability {
  const table = compilePages(pages)
  const settings = { requireMfa: options.requireMfa === true }
  return {
    name: 'admin-console',
    spec: 'ASVS 3.4, 3.5, 7.2 (a web console on the admin API)',
    endpoints: [{
      name: 'adminConsole', path: '/admin', methods: ['GET'], html: true,
      handle: (ctx, request) => dispatch(ctx, request, '/', table, settings),
      below: [
        { pattern: /^\/console\.js$/, methods: ['GET'], handle: () => scriptResponse() },
        // Everything else below /admin but the admin API (/admin/v1), whichever capability registers first.
        { pattern: /^(\/(?!v1(?:\/|$)).{0,2048})$/, methods: ['GET', 'POST'], handle: (ctx, request, captures) => dispatch(ctx, request, captures[0] ?? '/', table, settings) },
      ],
    }],
    clientSource: consoleClientSource,
  }
}

/**
 * The admin console at `/admin`: clients, users with their sessions and consents, signing keys, the audit
 * trail and registration tokens, in the browser. Built on the admin API (register `adminApi()` too): the
 * console signs its admin in through this server's own `/authorize` (a built-in client,
 * `urn:tessera:admin-console`, code flow with PKCE) and calls the API in process with that admin's own
 * token, so only the users named in `adminApi({ admins })` get in and every change is audited with them.
 * Server-rendered, no inline script, strict CSP, CSRF tokens bound to the console session, confirmation
 * pages before destructive actions. `requireMfa`: only sign-ins with a second factor get in.
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [adminApi({ admins: ['alice'] }), adminConsole()] })
 * ```
 * @see README "Admin console"
 */
export function adminConsole(options: AdminConsoleOptions = {}): Capability {
  return consoleWithPages(PAGES, options)
}
