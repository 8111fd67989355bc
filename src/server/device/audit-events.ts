/** The capability's audit events (merged into `AuditEventMap`) and their log levels. */
declare module '../audit/events.js' {
  interface AuditEventMap {
    /** RFC 8628 §3.1: a device started a flow (the user code is not recorded: it is a short-lived secret). */
    'device_code.issued': { client_id: string; scopes: string[]; grant_id: string; client_address: string | null }
    /** §3.3: the signed-in user approved the device at the verification page. */
    'device_code.approved': { client_id: string; user_id: string; scopes: string[]; grant_id: string; client_address: string | null }
    /** §3.3: the signed-in user denied it. */
    'device_code.denied': { client_id: string; user_id: string; grant_id: string; client_address: string | null }
    /** §5.1: a user code that names no live flow was entered (guessing shows up here). */
    'device_code.user_code_failed': { user_id: string; client_address: string | null }
  }
}

export const DEVICE_AUDIT_EVENTS = {
  'device_code.issued': 'info',
  'device_code.approved': 'info',
  'device_code.denied': 'info',
  'device_code.user_code_failed': 'warn',
} as const
