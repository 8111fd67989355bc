import type { AuditActor } from '../audit/events.js'

// Changes made through the admin API are recorded by the admin functions' own events (`client.created`,
// `user.deleted`, `keys.rotated`…), each carrying `actor_client_id` and, for a user's token, `actor_sub`
// (see callerAudit). These are the changes that have no admin function of their own.
declare module '../audit/events.js' {
  interface AuditEventMap {
    /** An admin ended one of the user's login sessions (`sid` as in its ID tokens). */
    'admin.session_revoked': { user_id: string; sid: string; actor: AuditActor }
    /** An admin required (or stopped requiring) a second factor of the user (`require_mfa` of PATCH /users/{user_id}). */
    'admin.user_mfa_policy_changed': { user_id: string; require_mfa: boolean; actor: AuditActor }
    /** Every grant of the user ended (`DELETE /admin/v1/users/{user_id}/grants`). */
    'admin.grants_revoked': { user_id: string; revoked_grants: number; actor: AuditActor }
    /** The user was sent a password-reset link at an admin's request (`POST /admin/v1/users/{user_id}/password-reset`). */
    'admin.password_reset_sent': { user_id: string; actor: AuditActor }
    /** An initial access token for dynamic registration; `token_id` is a prefix of its hash, never the token. */
    'admin.initial_access_token_created': { token_id: string; expires_at: number; actor: AuditActor }
    'admin.initial_access_token_revoked': { token_id: string; actor: AuditActor }
  }
}

/** The admin API's own audit events with their log level. */
export const ADMIN_API_AUDIT_EVENTS = {
  'admin.session_revoked': 'info',
  'admin.user_mfa_policy_changed': 'info',
  'admin.grants_revoked': 'warn',
  'admin.password_reset_sent': 'info',
  'admin.initial_access_token_created': 'info',
  'admin.initial_access_token_revoked': 'info',
} as const
