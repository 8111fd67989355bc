/** The capability's audit events (merged into `AuditEventMap`) and their log levels. */
declare module '../audit/events.js' {
  interface AuditEventMap {
    /** A logout token reached the client's `backchannel_logout_uri` (it answered 2xx). */
    'backchannel_logout.sent': { client_id: string; user_id: string; sid: string; attempt: number; status: number; reason: string }
    /**
     * A delivery attempt failed. `final`: no retry follows (a 4xx, a refused destination, or the last
     * attempt); otherwise the next one is scheduled.
     */
    'backchannel_logout.failed': { client_id: string; user_id: string; sid: string; attempt: number; status: number | null; error: string; final: boolean; reason: string }
  }
}

export const BACKCHANNEL_LOGOUT_AUDIT_EVENTS = {
  'backchannel_logout.sent': 'info',
  'backchannel_logout.failed': 'warn',
} as const
