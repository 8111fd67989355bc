import type { AuditValue, GrantType } from '../../storage/types.js'

/**
 * The audit trail's events, one variant per `type`, so `switch (event.type)` narrows. Every field is
 * something an operator may read: never a password, token value, authorization code, PKCE verifier or
 * client secret — token events carry ids (`jti`, grant id) instead (RFC 6749 §10.3–10.4, RFC 9700
 * §4.14; catalogue ST-04). `user_id` / `subject` and `client_id` become the record's indexed columns.
 *
 * @see ../../storage/types.ts `AuditRecord` for the stored form
 */

/** Who made an administrative change: the `tessera` CLI, library code (`createClient`…), or the server itself. */
export type AuditActor = 'cli' | 'admin' | 'server'

/**
 * Why a login failed; the login page shows one message for both (no user enumeration). Attempts refused by
 * the login throttle are logged but not recorded (see src/server/endpoints/interaction.ts).
 */
export type LoginFailureReason = 'unknown_user' | 'wrong_password'

/** The network address the request came from, as the server resolved it; null when unknown. */
type ClientAddress = { client_address: string | null }

export type AuditEvent =
  | ({ type: 'login.succeeded'; user_id: string; username: string; client_id: string } & ClientAddress)
  /** `username` is what was typed (bounded), `user_id` set when such a user exists. */
  | ({ type: 'login.failed'; username: string; user_id: string | null; client_id: string; reason: LoginFailureReason } & ClientAddress)
  | { type: 'consent.granted'; user_id: string; client_id: string; scopes: string[] }
  | { type: 'consent.denied'; user_id: string; client_id: string; scopes: string[] }
  | { type: 'consent.revoked'; user_id: string; client_id: string; revoked_grants: number; actor: AuditActor }
  /** `subject` is the user, or the client itself for client credentials; `jti` of the access token. */
  | {
      type: 'token.issued'; grant_type: GrantType; client_id: string; subject: string; scopes: string[]
      grant_id: string | null; jti: string; refresh_token_issued: boolean; id_token_issued: boolean
    }
  /** A rotated refresh token came back: taken as theft, the whole family was revoked (RFC 9700 §4.14.2). */
  | { type: 'refresh_token.reused'; client_id: string; user_id: string; grant_id: string }
  /** A used authorization code came back: its grant was revoked (RFC 6749 §4.1.2). */
  | { type: 'authorization_code.replayed'; client_id: string; user_id: string; grant_id: string }
  /** RFC 7009 revocation; a refresh token takes its whole grant with it. */
  | { type: 'token.revoked'; client_id: string; subject: string; token_type: 'access_token' | 'refresh_token'; grant_id: string | null; jti: string | null }
  | { type: 'keys.created' | 'keys.rotated'; kids: string[]; algorithms: string[]; actor: AuditActor }
  | { type: 'client.created' | 'client.updated'; client_id: string; client_name: string; grant_types: string[]; scopes: string[]; redirect_uris: string[]; actor: AuditActor }
  | { type: 'client.deleted' | 'client.secret_rotated'; client_id: string; actor: AuditActor }
  | { type: 'user.created' | 'user.updated' | 'user.password_changed'; user_id: string; username: string; actor: AuditActor }
  | { type: 'user.deleted'; user_id: string; username: string | null; actor: AuditActor }

export type AuditEventType = AuditEvent['type']

/** Every event type, for validating `tessera audit --type`. */
export const AUDIT_EVENT_TYPES = [
  'login.succeeded', 'login.failed',
  'consent.granted', 'consent.denied', 'consent.revoked',
  'token.issued', 'token.revoked', 'refresh_token.reused', 'authorization_code.replayed',
  'keys.created', 'keys.rotated',
  'client.created', 'client.updated', 'client.secret_rotated', 'client.deleted',
  'user.created', 'user.updated', 'user.password_changed', 'user.deleted',
] as const satisfies readonly AuditEventType[]

// Compile-time check that the list above names every variant of the union.
const _everyType: Exclude<AuditEventType, (typeof AUDIT_EVENT_TYPES)[number]> extends never ? true : never = true

/**
 * The event types a `--type` filter names: an exact type (`login.failed`) or a family (`login`, `token`,
 * `client`…), i.e. every type starting with `<family>.`. Empty when nothing matches.
 *
 * @example expandAuditType('login') // ['login.succeeded', 'login.failed']
 */
export function expandAuditType(filter: string): AuditEventType[] {
  return AUDIT_EVENT_TYPES.filter((type) => type === filter || type.startsWith(`${filter}.`))
}

/**
 * Security-relevant anomalies log at `warn`, everything else at `info`.
 *
 * @example auditLevel('refresh_token.reused') // 'warn'
 */
export function auditLevel(type: AuditEventType): 'info' | 'warn' {
  return type === 'refresh_token.reused' || type === 'authorization_code.replayed' ? 'warn' : 'info'
}

/**
 * Splits an event into the record's indexed columns and its details.
 *
 * @example auditColumns({ type: 'client.deleted', client_id: 'app', actor: 'cli' }) // { subject: null, client_id: 'app', details: { actor: 'cli' } }
 */
export function auditColumns(event: AuditEvent): { subject: string | null; client_id: string | null; details: Record<string, AuditValue> } {
  // Copied key by key rather than with `delete`, which would turn every details object into a slow dictionary.
  const details: Record<string, AuditValue> = {}
  for (const key of Object.keys(event)) {
    if (key !== 'type' && key !== 'user_id' && key !== 'subject' && key !== 'client_id') details[key] = (event as unknown as Record<string, AuditValue>)[key] as AuditValue
  }
  const subject = 'user_id' in event ? event.user_id : 'subject' in event ? event.subject : null
  const clientId = 'client_id' in event ? event.client_id : null
  return { subject, client_id: clientId, details }
}
