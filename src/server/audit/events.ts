import type { AuditValue, GrantType } from '../../storage/types.js'

/**
 * The audit trail's events, one variant per `type`, so `switch (event.type)` narrows. Every field is
 * something an operator may read: never a password, token value, authorization code, PKCE verifier or
 * client secret — token events carry ids (`jti`, grant id) instead (RFC 6749 §10.3–10.4, RFC 9700
 * §4.14; catalogue ST-04). `user_id` / `subject` and `client_id` become the record's indexed columns.
 *
 * @see ../../storage/types.ts `AuditRecord` for the stored form
 */

/** Who made an administrative change: the `tessera` CLI, library code (`createClient`…), the server itself, or the user on their account page. */
export type AuditActor = 'cli' | 'admin' | 'server' | 'user'

/**
 * Why a login failed; the login page shows one message for the first two (no user enumeration), and says
 * an account is disabled only to whoever gave its correct password. Attempts refused by
 * the login throttle are logged but not recorded (see src/server/endpoints/interaction.ts).
 */
export type LoginFailureReason = 'unknown_user' | 'wrong_password' | 'disabled'

/** The network address the request came from, as the server resolved it; null when unknown. */
type ClientAddress = { client_address: string | null }

/**
 * The core events by type. A capability that records events of its own adds them to `AuditEventMap` by
 * declaration merging and lists them (with their log level) in its `auditEvents`:
 *
 * ```ts
 * declare module '../audit/events.js' {
 *   interface AuditEventMap { 'device_code.denied': { client_id: string; user_id: string } }
 * }
 * ```
 */
type CoreAuditEvents = {
  'login.succeeded': { user_id: string; username: string; client_id: string } & ClientAddress
  /** `username` is what was typed (bounded), `user_id` set when such a user exists. */
  'login.failed': { username: string; user_id: string | null; client_id: string; reason: LoginFailureReason } & ClientAddress
  'consent.granted': { user_id: string; client_id: string; scopes: string[] }
  'consent.denied': { user_id: string; client_id: string; scopes: string[] }
  'consent.revoked': { user_id: string; client_id: string; revoked_grants: number; actor: AuditActor }
  /** `subject` is the user, or the client itself for client credentials; `jti` of the access token. */
  'token.issued': {
    grant_type: GrantType; client_id: string; subject: string; scopes: string[]
    grant_id: string | null; jti: string; refresh_token_issued: boolean; id_token_issued: boolean
  }
  /** RFC 7009 revocation; a refresh token takes its whole grant with it. */
  'token.revoked': { client_id: string; subject: string; token_type: 'access_token' | 'refresh_token'; grant_id: string | null; jti: string | null }
  /**
   * A rotated refresh token came back: taken as theft, the whole family was revoked (RFC 9700 §4.14.2).
   * `client_id` is the family's client; `presented_by` the other client that presented it, if one did.
   */
  'refresh_token.reused': { client_id: string; user_id: string; grant_id: string; presented_by?: string }
  /**
   * A rotated refresh token came back from its client within `lifetimes.refreshTokenReuseGrace`: answered
   * with the same successor and a new access token (`jti`), the family kept.
   */
  'refresh_token.reused_within_grace': { client_id: string; user_id: string; grant_id: string; jti: string }
  /** A used authorization code came back: its grant was revoked (RFC 6749 §4.1.2). */
  'authorization_code.replayed': { client_id: string; user_id: string; grant_id: string }
  'keys.created': KeysChange
  'keys.rotated': KeysChange
  'client.created': ClientChange
  'client.updated': ClientChange
  'client.secret_rotated': { client_id: string; actor: AuditActor }
  'client.deleted': { client_id: string; actor: AuditActor }
  /** The operator switched the client off (or back on); its registration access token cannot. */
  'client.disabled': { client_id: string; actor: AuditActor }
  'client.enabled': { client_id: string; actor: AuditActor }
  'user.created': UserChange
  'user.updated': UserChange
  'user.password_changed': UserChange
  'user.deleted': { user_id: string; username: string | null; actor: AuditActor }
  /** The operator switched the user off (their sessions ended, their grants revoked), or back on. */
  'user.disabled': UserChange
  'user.enabled': UserChange
}

type KeysChange = { kids: string[]; algorithms: string[]; actor: AuditActor }
type ClientChange = { client_id: string; client_name: string; grant_types: string[]; scopes: string[]; redirect_uris: string[]; actor: AuditActor }
type UserChange = { user_id: string; username: string; actor: AuditActor }

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface, so capabilities can merge their events into it
export interface AuditEventMap extends CoreAuditEvents {}

/** The `type` of an audit event (`token.issued`, `login.failed`…). */
export type AuditEventType = keyof AuditEventMap & string

/** One variant per `type`, so `switch (event.type)` narrows. */
export type AuditEvent = { [T in AuditEventType]: { type: T } & AuditEventMap[T] }[AuditEventType]

/** The core event types, for validating `tessera-oidc audit --type`; a server adds its capabilities' (`registry.auditEvents`). */
export const AUDIT_EVENT_TYPES = [
  'login.succeeded', 'login.failed',
  'consent.granted', 'consent.denied', 'consent.revoked',
  'token.issued', 'token.revoked', 'refresh_token.reused', 'refresh_token.reused_within_grace', 'authorization_code.replayed',
  'keys.created', 'keys.rotated',
  'client.created', 'client.updated', 'client.secret_rotated', 'client.deleted', 'client.disabled', 'client.enabled',
  'user.created', 'user.updated', 'user.password_changed', 'user.deleted', 'user.disabled', 'user.enabled',
] as const satisfies readonly (keyof CoreAuditEvents)[]

// Compile-time check that the list above names every core event.
const _everyType: Exclude<keyof CoreAuditEvents, (typeof AUDIT_EVENT_TYPES)[number]> extends never ? true : never = true

/**
 * The event types a `--type` filter names: an exact type (`login.failed`) or a family (`login`, `token`,
 * `client`…), i.e. every type starting with `<family>.`. Empty when nothing matches.
 *
 * @example expandAuditType('login') // ['login.succeeded', 'login.failed']
 */
export function expandAuditType(filter: string, types: readonly string[] = AUDIT_EVENT_TYPES): string[] {
  return types.filter((type) => type === filter || type.startsWith(`${filter}.`))
}

/**
 * Security-relevant anomalies log at `warn`, everything else at `info`.
 *
 * @example auditLevel('refresh_token.reused') // 'warn'
 */
export function auditLevel(type: string, levels?: ReadonlyMap<string, 'info' | 'warn'>): 'info' | 'warn' {
  if (type === 'refresh_token.reused' || type === 'authorization_code.replayed') return 'warn'
  return levels?.get(type) ?? 'info'
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
