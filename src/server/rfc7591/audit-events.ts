import type { ApplicationType } from '../../storage/types.js'

/** The capability's audit events (merged into `AuditEventMap`) and their log levels. */
declare module '../audit/events.js' {
  interface AuditEventMap {
    /** RFC 7591 §3: anyone (or an initial access token holder) registered a client. */
    'client.registered': {
      client_id: string; client_name: string; redirect_uris: string[]; grant_types: string[]; scopes: string[]
      application_type: ApplicationType; initial_access_token: boolean; client_address: string | null
    }
    /** RFC 7592 §2.2: the registration access token holder changed the client. */
    'client.registration_updated': { client_id: string; client_name: string; redirect_uris: string[]; grant_types: string[]; scopes: string[]; client_address: string | null }
    /** RFC 7592 §2.3: the holder deleted the client, with its grants and tokens. */
    'client.registration_deleted': { client_id: string; client_address: string | null }
    /** An unused dynamically registered client passed its deadline and was purged. */
    'client.registration_expired': { client_id: string; actor: 'server' }
  }
}

export const REGISTRATION_AUDIT_EVENTS = {
  'client.registered': 'info',
  'client.registration_updated': 'info',
  'client.registration_deleted': 'info',
  'client.registration_expired': 'info',
} as const
