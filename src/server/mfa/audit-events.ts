import type { AuditActor } from '../audit/events.js'

/** Why a second-factor code was refused (the page says the same for all: nothing hints how close a guess was). */
export type SecondFactorFailure = 'invalid' | 'replayed'

declare module '../audit/events.js' {
  interface AuditEventMap {
    /** The user confirmed a TOTP key (at the account page, or at a login that required it). */
    'mfa.enrolled': { user_id: string; client_id: string | null }
    /** The user turned two-factor authentication off, or the operator reset it (`tessera-oidc user mfa reset`). */
    'mfa.disabled': { user_id: string; actor: AuditActor | 'user' }
    /** A wrong or replayed code at the second step, the account page or enrolment. */
    'mfa.failed': { user_id: string; client_id: string | null; reason: SecondFactorFailure; client_address: string | null }
    /** A recovery code was used (and is gone). */
    'mfa.recovery_code_used': { user_id: string; client_id: string | null; client_address: string | null }
    /** New recovery codes replaced the old ones. */
    'mfa.recovery_codes_regenerated': { user_id: string }
  }
}

/** The audit events of second factors with their log level. */
export const MFA_AUDIT_EVENTS = {
  'mfa.enrolled': 'info',
  'mfa.disabled': 'warn',
  'mfa.failed': 'warn',
  'mfa.recovery_code_used': 'warn',
  'mfa.recovery_codes_regenerated': 'info',
} as const
