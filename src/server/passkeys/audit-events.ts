import { sha256 } from '../../crypto/random.js'

/**
 * Why a passkey ceremony was refused. The user sees one message for all of them; the operator sees the
 * reason. `counter` (a signature counter that did not increase: a cloned authenticator, WebAuthn §6.1.1) and
 * `backup_eligibility` (BE changed, §6.1.3) are the ones to look into.
 */
export type PasskeyFailure = 'invalid' | 'challenge' | 'unknown_credential' | 'wrong_user' | 'counter' | 'backup_eligibility' | 'credential_in_use'

/**
 * How the audit trail names a credential: the first 16 characters of its id's SHA-256. The whole hash is
 * the record's key, and 43 base64url characters are what the log check must take for a bearer secret.
 */
export function credentialRef(credentialId: string): string {
  return sha256(credentialId).slice(0, 16)
}

declare module '../audit/events.js' {
  interface AuditEventMap {
    /** The user added a passkey at the account page. */
    'passkey.registered': { user_id: string; credential: string; name: string; backup_eligible: boolean }
    /** The user removed a passkey. */
    'passkey.removed': { user_id: string; credential: string }
    /** A registration or an assertion was refused. `credential` is its `credentialRef`, when one was presented. */
    'passkey.failed': { user_id: string | null; client_id: string | null; ceremony: 'registration' | 'authentication'; reason: PasskeyFailure; credential: string | null; client_address: string | null }
    /** A passkey signed a user in or passed their second step. */
    'passkey.used': { user_id: string; client_id: string; credential: string; second_factor: boolean; client_address: string | null }
    /**
     * Refused assertions reached a limit (the user's, or the client address's): further ones are refused
     * unchecked until `retry_after` seconds pass. Recorded once per lock, not per refusal, so that an
     * attacker cannot grow the audit table at will.
     */
    'passkey.throttled': { user_id: string | null; client_id: string; limit: 'user' | 'address'; client_address: string | null }
  }
}

/** The audit events of passkeys with their log level. */
export const PASSKEY_AUDIT_EVENTS = {
  'passkey.registered': 'info',
  'passkey.removed': 'info',
  'passkey.failed': 'warn',
  'passkey.used': 'info',
  'passkey.throttled': 'warn',
} as const
