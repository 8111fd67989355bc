import type { RecordKind } from '../../storage/types.js'

// Every piece of second-factor state goes through `store.records` (docs/architecture.md, Storage): no
// backend or migration changes, and a user's records go with the user (`subject`).

/** A record that lives until deleted (year 9999, within every backend's integer range). */
export const NEVER = 253402300799

/** A user's confirmed TOTP key, sealed with the server secret; keyed by user id. */
export interface TotpCredential {
  /** The raw key as base32, sealed (`sealSecret` with the TOTP label): the server must read it back. */
  secret_sealed: string
  created_at: number
}
export const TOTP_CREDENTIAL: RecordKind<TotpCredential> = { name: 'totp', durable: true }

/** A key shown for enrolment and not yet confirmed by a code; keyed by user id. */
export const TOTP_ENROLMENT: RecordKind<TotpCredential> = { name: 'totp-enrolment' }

/**
 * One recovery code, keyed by `<user id>.<SHA-256 of the code>`: single use is `consume` (atomic), and
 * only the hash is stored, like any bearer secret.
 */
export const RECOVERY_CODE: RecordKind<{ created_at: number }> = { name: 'recovery-code', durable: true }

/**
 * An accepted TOTP time step, keyed by `<user id>.<step>`, put "if absent": of two uses of one code,
 * wherever they run, exactly one stores the mark (RFC 6238 §5.2; catalogue MF-02).
 */
export const TOTP_USED_STEP: RecordKind<Record<string, never>> = { name: 'totp-step' }

/** The operator requires a second factor of this user (`tessera-oidc user update --require-mfa`); keyed by user id. */
export const USER_MFA_POLICY: RecordKind<{ require_mfa: boolean }> = { name: 'user-mfa', durable: true }

/** The operator requires a second factor for every login to this client; keyed by client id. */
export const CLIENT_MFA_POLICY: RecordKind<{ require_mfa: boolean }> = { name: 'client-mfa', durable: true }

/**
 * A login that passed its first factor and waits for the second, keyed by the interaction id: nothing is
 * issued, and no session started, until the second step completes.
 */
export interface PendingSecondFactor {
  user_id: string
  /** RFC 8176 methods already used in this authentication (`pwd`, or `fed` for an upstream provider's sign-in). */
  amr: string[]
  /** The user has no second factor yet and must enrol one now (policy requires it). */
  enrol: boolean
  /**
   * Where the first factor came from: this interaction's password form, an upstream provider's sign-in for
   * it (src/server/federation/), or a live session stepping up.
   */
  from: 'password' | 'upstream' | 'session'
}
export const PENDING_SECOND_FACTOR: RecordKind<PendingSecondFactor> = { name: 'mfa-pending' }

/**
 * How the grant's user authenticated, fixed when its code was issued and kept for the grant's lifetime,
 * keyed by grant id: refreshed tokens carry the original `acr`/`amr`, never a higher one (catalogue
 * MF-08, MF-10), and opaque tokens' introspection reports it.
 */
export interface GrantAssurance {
  acr: string
  amr: string[]
}
export const GRANT_ASSURANCE: RecordKind<GrantAssurance> = { name: 'grant-acr' }

/** The session's user entered the password again (account page re-authentication); keyed by the session's `id_hash`. */
export const REAUTHENTICATED: RecordKind<Record<string, never>> = { name: 'mfa-reauth' }
