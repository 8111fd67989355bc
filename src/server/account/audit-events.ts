/** The account capability's audit events (merged into `AuditEventMap`) and their log levels. */
declare module '../audit/events.js' {
  interface AuditEventMap {
    /** A reset link was mailed to the user's verified address. */
    'account.password_reset_requested': { user_id: string; client_address: string | null }
    /** The user chose a new password through a mailed link; their sessions and refresh tokens ended. */
    'account.password_reset': { user_id: string; client_address: string | null }
    /** The user changed their password on the account page; other sessions and refresh tokens ended. */
    'account.password_changed': { user_id: string; revoked_grants: number }
    /** A verification link was mailed to a new address; the account keeps the old one until it is used. */
    'account.email_change_requested': { user_id: string }
    'account.email_verified': { user_id: string }
    /** The user ended one of their sessions (`sid`), or all of them. */
    'account.session_revoked': { user_id: string; sid: string }
    'account.sessions_revoked': { user_id: string; count: number }
    /** Self-registration created an account (its address still to be verified). */
    'account.registered': { user_id: string; username: string; client_address: string | null }
    /** A new address-confirmation link was mailed on request (the older ones stopped working). */
    'account.verification_resent': { user_id: string; client_address: string | null }
  }
}

export const ACCOUNT_AUDIT_EVENTS = {
  'account.password_reset_requested': 'info',
  'account.password_reset': 'info',
  'account.password_changed': 'info',
  'account.email_change_requested': 'info',
  'account.email_verified': 'info',
  'account.session_revoked': 'info',
  'account.sessions_revoked': 'info',
  'account.registered': 'info',
  'account.verification_resent': 'info',
} as const
