import type { RecordKind } from '../types.js'

/**
 * A sign-in of the admin console under way, keyed by SHA-256 of its `state`: the PKCE verifier and where to
 * come back to never leave the server, and `browser` (SHA-256 of the console cookie that started it) binds
 * the callback to the browser that left (RFC 9700 §4.7.1: CSRF on the redirect URI).
 */
export interface AdminConsoleSignIn {
  browser: string
  verifier: string
  /** A console path (below `/admin`) to open once signed in. */
  return_to: string
}

/** A signed-in admin of the console, keyed by SHA-256 of the console cookie; it lives as long as its access token. */
export interface AdminConsoleSession {
  sub: string
  name: string
  /**
   * The admin's own access token (`admin:read admin:write`) from the code exchange, what the pages call the
   * admin API with, sealed with the server secret (`admin-console-token`): a live bearer token must not sit
   * readable in the database.
   */
  access_token_sealed: string
  /** `auth_time` of the ID token: when the admin last entered credentials (fresh authentication). */
  auth_time: number
}

export const ADMIN_CONSOLE_SIGN_IN: RecordKind<AdminConsoleSignIn> = { name: 'admin-console-sign-in' }
export const ADMIN_CONSOLE_SESSION: RecordKind<AdminConsoleSession> = { name: 'admin-console-session' }

/**
 * A secret the console shows once (a new client secret, an initial access token), kept sealed for the one
 * page view after the POST that made it: the POST redirects (so a reload never re-posts), and the page
 * that follows consumes the record, so reloading or going back cannot show the secret again.
 */
export interface AdminConsoleShownOnce {
  /** The admin it was made for: nobody else's view opens it. */
  sub: string
  /** JSON of what the page shows, sealed with the server secret (`shown-once`). */
  sealed: string
}

export const ADMIN_CONSOLE_SHOWN_ONCE: RecordKind<AdminConsoleShownOnce> = { name: 'admin-console-shown-once' }
