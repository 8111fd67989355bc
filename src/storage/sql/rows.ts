import type { Insertable, Selectable } from 'kysely'
import type { AccessTokenRecord, ClientJwks, ClientRecord, ConsentRecord, KeyedRecord, RefreshTokenRecord, SigningKeyRecord, UserRecord } from '../types.js'
import type { AccessTokensTable, ClientsTable, ConsentsTable, RecordsTable, RefreshTokensTable, SigningKeysTable, UsersTable } from './schema.js'

/**
 * The one place where records of `../types.ts` become rows and back: JSON text for arrays, 0/1 for
 * booleans, `Number()` for `bigint` columns (see `schema.ts`). Values are parsed fresh on every read,
 * so callers always get their own copy.
 */

export const json = (value: readonly string[]): string => JSON.stringify(value)
const flag = (value: boolean): number => (value ? 1 : 0)

export function parseList<T extends string = string>(text: string): T[] {
  return JSON.parse(text) as T[]
}
function num(value: number | string): number {
  return Number(value)
}
function numOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value)
}

// The *ToRow functions name every column instead of spreading the record, so a caller's object that
// carries extra properties cannot turn into an unknown-column error.

export function clientToRow(c: ClientRecord): Insertable<ClientsTable> {
  return {
    client_id: c.client_id,
    client_secret_hash: c.client_secret_hash,
    client_name: c.client_name,
    redirect_uris: json(c.redirect_uris),
    post_logout_redirect_uris: json(c.post_logout_redirect_uris),
    grant_types: json(c.grant_types),
    scopes: json(c.scopes),
    token_endpoint_auth_method: c.token_endpoint_auth_method,
    id_token_signed_response_alg: c.id_token_signed_response_alg,
    skip_consent: flag(c.skip_consent),
    created_at: c.created_at,
    application_type: c.application_type,
    client_uri: c.client_uri,
    logo_uri: c.logo_uri,
    policy_uri: c.policy_uri,
    tos_uri: c.tos_uri,
    contacts: json(c.contacts),
    registered_by: c.registered_by,
    registration_access_token_hash: c.registration_access_token_hash,
    expires_at: c.expires_at,
    client_secret_expires_at: c.client_secret_expires_at,
    disabled: flag(c.disabled),
    jwks: c.jwks === null ? null : JSON.stringify(c.jwks),
    jwks_uri: c.jwks_uri,
    token_endpoint_auth_signing_alg: c.token_endpoint_auth_signing_alg,
    client_secret_sealed: c.client_secret_sealed,
    require_pushed_authorization_requests: flag(c.require_pushed_authorization_requests),
    dpop_bound_access_tokens: flag(c.dpop_bound_access_tokens),
    request_object_signing_alg: c.request_object_signing_alg,
    require_signed_request_object: flag(c.require_signed_request_object),
  }
}

export function rowToClient(r: Selectable<ClientsTable>): ClientRecord {
  return {
    client_id: r.client_id,
    client_secret_hash: r.client_secret_hash,
    client_name: r.client_name,
    redirect_uris: parseList(r.redirect_uris),
    post_logout_redirect_uris: parseList(r.post_logout_redirect_uris),
    grant_types: parseList(r.grant_types),
    scopes: parseList(r.scopes),
    token_endpoint_auth_method: r.token_endpoint_auth_method as ClientRecord['token_endpoint_auth_method'],
    id_token_signed_response_alg: r.id_token_signed_response_alg,
    skip_consent: r.skip_consent === 1,
    created_at: num(r.created_at),
    application_type: r.application_type === 'native' ? 'native' : 'web',
    client_uri: r.client_uri,
    logo_uri: r.logo_uri,
    policy_uri: r.policy_uri,
    tos_uri: r.tos_uri,
    contacts: parseList(r.contacts),
    registered_by: r.registered_by === 'dynamic' ? 'dynamic' : 'operator',
    registration_access_token_hash: r.registration_access_token_hash,
    expires_at: numOrNull(r.expires_at),
    client_secret_expires_at: numOrNull(r.client_secret_expires_at),
    disabled: r.disabled === 1,
    jwks: r.jwks === null ? null : (JSON.parse(r.jwks) as ClientJwks),
    jwks_uri: r.jwks_uri,
    token_endpoint_auth_signing_alg: r.token_endpoint_auth_signing_alg,
    client_secret_sealed: r.client_secret_sealed,
    require_pushed_authorization_requests: r.require_pushed_authorization_requests === 1,
    dpop_bound_access_tokens: r.dpop_bound_access_tokens === 1,
    request_object_signing_alg: r.request_object_signing_alg,
    require_signed_request_object: r.require_signed_request_object === 1,
  }
}

export function userToRow(u: UserRecord): Insertable<UsersTable> {
  return {
    id: u.id,
    username: u.username,
    password_hash: u.password_hash,
    name: u.name,
    given_name: u.given_name,
    family_name: u.family_name,
    email: u.email,
    email_verified: flag(u.email_verified),
    picture: u.picture,
    created_at: u.created_at,
    updated_at: u.updated_at,
    disabled: flag(u.disabled),
  }
}

export function rowToUser(r: Selectable<UsersTable>): UserRecord {
  return {
    id: r.id,
    username: r.username,
    password_hash: r.password_hash,
    name: r.name,
    given_name: r.given_name,
    family_name: r.family_name,
    email: r.email,
    email_verified: r.email_verified === 1,
    picture: r.picture,
    created_at: num(r.created_at),
    updated_at: num(r.updated_at),
    disabled: r.disabled === 1,
  }
}

export function refreshTokenToRow(t: RefreshTokenRecord): Insertable<RefreshTokensTable> {
  return {
    token_hash: t.token_hash,
    grant_id: t.grant_id,
    client_id: t.client_id,
    user_id: t.user_id,
    scopes: json(t.scopes),
    // One text column since migration 1: resource URIs contain no space (RFC 3986), so a list is space-joined
    // and a row written when a grant had at most one resource reads as a list of one.
    resource: t.resources.length > 0 ? t.resources.join(' ') : null,
    auth_time: t.auth_time,
    session_id: t.session_id,
    created_at: t.created_at,
    expires_at: t.expires_at,
    consumed_at: t.consumed_at,
  }
}

export function rowToRefreshToken(r: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    token_hash: r.token_hash,
    grant_id: r.grant_id,
    client_id: r.client_id,
    user_id: r.user_id,
    scopes: parseList(r.scopes),
    resources: r.resource === null || r.resource === '' ? [] : r.resource.split(' '),
    auth_time: num(r.auth_time),
    session_id: r.session_id,
    created_at: num(r.created_at),
    expires_at: num(r.expires_at),
    consumed_at: numOrNull(r.consumed_at),
  }
}

export function accessTokenToRow(t: AccessTokenRecord): Insertable<AccessTokensTable> {
  return {
    token_hash: t.token_hash,
    jti: t.jti,
    grant_id: t.grant_id,
    client_id: t.client_id,
    subject: t.subject,
    user_id: t.user_id,
    scopes: json(t.scopes),
    audience: json(t.audience),
    auth_time: t.auth_time,
    created_at: t.created_at,
    expires_at: t.expires_at,
  }
}

export function rowToAccessToken(r: Selectable<AccessTokensTable>): AccessTokenRecord {
  return {
    token_hash: r.token_hash,
    jti: r.jti,
    grant_id: r.grant_id,
    client_id: r.client_id,
    subject: r.subject,
    user_id: r.user_id,
    scopes: parseList(r.scopes),
    audience: parseList(r.audience),
    auth_time: numOrNull(r.auth_time),
    created_at: num(r.created_at),
    expires_at: num(r.expires_at),
  }
}

export function rowToConsent(r: Selectable<ConsentsTable>): ConsentRecord {
  return {
    user_id: r.user_id,
    client_id: r.client_id,
    scopes: parseList(r.scopes),
    created_at: num(r.created_at),
    updated_at: num(r.updated_at),
  }
}

export function signingKeyToRow(k: SigningKeyRecord): Insertable<SigningKeysTable> {
  return {
    kid: k.kid,
    alg: k.alg,
    public_jwk: k.public_jwk,
    private_key_encrypted: k.private_key_encrypted,
    created_at: k.created_at,
    retired_at: k.retired_at,
    expires_at: k.expires_at,
  }
}

export function rowToSigningKey(r: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: r.kid,
    alg: r.alg,
    public_jwk: r.public_jwk,
    private_key_encrypted: r.private_key_encrypted,
    created_at: num(r.created_at),
    retired_at: numOrNull(r.retired_at),
    expires_at: numOrNull(r.expires_at),
  }
}

/** The value is the JSON its kind stored: typed by the caller's `RecordKind`. */
export function rowToKeyedRecord<T>(r: Selectable<RecordsTable>): KeyedRecord<T> {
  return {
    key: r.key,
    value: JSON.parse(r.value) as T,
    expiresAt: num(r.expires_at),
    subject: r.subject,
    clientId: r.client_id,
    consumedAt: numOrNull(r.consumed_at),
    revision: num(r.revision),
  }
}
