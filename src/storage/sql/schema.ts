import type { ColumnType } from 'kysely'

/**
 * Kysely table typings shared by the SQLite and PostgreSQL stores. Columns hold what both engines agree
 * on: arrays as JSON text, booleans as integers 0/1, times as Unix seconds. The conversion to the
 * records of `../types.ts` happens in `rows.ts`, nowhere else.
 */

/**
 * A `bigint` column. node-postgres returns `int8` as a string to avoid precision loss, so reads are typed
 * `number | string` and converted with `Number()`.
 */
export type Int8 = ColumnType<number | string, number, number>
/** Unix seconds: `bigint`, because a 32-bit `integer` ends in 2038. */
export type Seconds = Int8
/** Same as `Seconds` for nullable columns. */
export type NullableSeconds = ColumnType<number | string | null, number | null, number | null>
/** A JSON array serialized as text. */
export type JsonText = string
/** A boolean as 0/1: SQLite has no boolean type. */
export type Flag = number

export interface ClientsTable {
  client_id: string
  client_secret_hash: string | null
  client_name: string
  redirect_uris: JsonText
  post_logout_redirect_uris: JsonText
  grant_types: JsonText
  scopes: JsonText
  token_endpoint_auth_method: string
  id_token_signed_response_alg: string
  skip_consent: Flag
  created_at: Seconds
  application_type: string
  client_uri: string | null
  logo_uri: string | null
  policy_uri: string | null
  tos_uri: string | null
  contacts: JsonText
  registered_by: string
  registration_access_token_hash: string | null
  expires_at: NullableSeconds
  client_secret_expires_at: NullableSeconds
  disabled: Flag
  /** A JSON Web Key Set as JSON text. */
  jwks: string | null
  jwks_uri: string | null
  token_endpoint_auth_signing_alg: string | null
  client_secret_sealed: string | null
  require_pushed_authorization_requests: Flag
  dpop_bound_access_tokens: Flag
  request_object_signing_alg: string | null
  require_signed_request_object: Flag
}

export interface UsersTable {
  id: string
  username: string
  password_hash: string
  name: string | null
  given_name: string | null
  family_name: string | null
  email: string | null
  email_verified: Flag
  picture: string | null
  created_at: Seconds
  updated_at: Seconds
  /** Since migration 0011. */
  disabled: Flag
}


export interface RefreshTokensTable {
  token_hash: string
  grant_id: string
  client_id: string
  user_id: string
  scopes: JsonText
  resource: string | null
  auth_time: Seconds
  session_id: string | null
  created_at: Seconds
  expires_at: Seconds
  consumed_at: NullableSeconds
}

/** Opaque access tokens; `audience` is a JSON array like `scopes`. */
export interface AccessTokensTable {
  token_hash: string
  jti: string
  grant_id: string | null
  client_id: string
  subject: string
  user_id: string | null
  scopes: JsonText
  audience: JsonText
  auth_time: NullableSeconds
  created_at: Seconds
  expires_at: Seconds
}

export interface RevokedGrantsTable {
  grant_id: string
  until: Seconds
}

export interface RevokedTokensTable {
  jti: string
  expires_at: Seconds
}

export interface ConsentsTable {
  user_id: string
  client_id: string
  scopes: JsonText
  created_at: Seconds
  updated_at: Seconds
}



export interface SigningKeysTable {
  kid: string
  alg: string
  public_jwk: string
  private_key_encrypted: string
  created_at: Seconds
  retired_at: NullableSeconds
  expires_at: NullableSeconds
}


/** The audit trail; `details` is a JSON object serialized as text. */
export interface AuditEventsTable {
  id: string
  type: string
  time: Seconds
  subject: string | null
  client_id: string | null
  details: string
  expires_at: Seconds
}

/** Small counters, e.g. `keys_version` bumped in the same transaction as every key change. */
export interface MetaTable {
  name: string
  value: Int8
}

/**
 * Short-lived records of every kind (`RecordStore`): the value is JSON text, opaque to SQL; `subject` and
 * `client_id` are there to delete a user's or client's records, `revision` for compare-and-set.
 */
export interface RecordsTable {
  kind: string
  key: string
  value: string
  subject: string | null
  client_id: string | null
  expires_at: Seconds
  consumed_at: NullableSeconds
  revision: Int8
}

export interface Database {
  clients: ClientsTable
  users: UsersTable
  refresh_tokens: RefreshTokensTable
  access_tokens: AccessTokensTable
  revoked_grants: RevokedGrantsTable
  revoked_tokens: RevokedTokensTable
  consents: ConsentsTable
  signing_keys: SigningKeysTable
  meta: MetaTable
  audit_events: AuditEventsTable
  records: RecordsTable
}
