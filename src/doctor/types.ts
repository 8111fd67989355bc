/**
 * `pass`: as it should be; `warn`: works, but some clients will trip or a recommendation is not followed;
 * `fail`: a real client will fail or be exposed (the report's exit code is 1); `skip`: not run (`--no-write`,
 * or an earlier failure left nothing to check).
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip'

/** One finding of `tessera-oidc doctor`. */
export interface CheckResult {
  /** Stable identifier, `as.…` for authorization-server checks and `rs.…` for protected-resource checks. */
  id: string
  status: CheckStatus
  /** The URL the check concerns: the issuer, the resource, a document or key set. */
  subject: string
  /** What the check belongs to: the authorization server's issuer or the protected resource's URL. */
  server?: string
  message: string
  /** For `fail` (and most `warn`): what to change, as "set … to …" where the fix is a value. */
  fix?: string
  /** The specification section the check enforces. */
  spec?: string
}

/** What kind of thing the URL given to `tessera-oidc doctor` turned out to be. */
export type TargetKind = 'authorization-server' | 'protected-resource' | 'unknown'

/** The whole report, as `tessera-oidc doctor --json` prints it. */
export interface DoctorReport {
  target: string
  kind: TargetKind
  /** True when no check failed. */
  ok: boolean
  summary: Record<CheckStatus, number>
  checks: CheckResult[]
}

/** What `tessera-oidc doctor` may do and what it is given. */
export interface DoctorOptions {
  /** Skip checks that write: the throwaway dynamic client registration (and its deletion). */
  noWrite?: boolean
  /** An initial access token (RFC 7591 §3) for a registration endpoint that requires one. */
  registrationToken?: string
  /** A client ID metadata document URL to try at the authorization endpoint. */
  clientMetadataUrl?: string
  /** Milliseconds for each request (default 5,000). */
  timeoutMs?: number
  /** Largest response body read, in bytes (default 1 MiB). */
  maxBytes?: number
  /** Replaces the global `fetch` (tests). */
  fetch?: typeof fetch
}
