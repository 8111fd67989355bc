/**
 * The storage interface of the authorization server. Every store (memory, SQLite, and later PostgreSQL
 * and Redis) implements it and passes `test/storage/contract.ts`.
 *
 * Rules every implementation keeps:
 * - Secrets never reach a store in clear: client secrets, refresh tokens, opaque access tokens,
 *   authorization codes and session ids arrive already hashed (`*_hash`, SHA-256 base64url); passwords as Argon2id PHC strings;
 *   those the server must read back (a `client_secret_jwt` secret, a rotation's kept successor) sealed with its secret.
 * - `consume`-style methods are atomic: of many concurrent callers exactly one wins.
 * - Times are Unix seconds (integers).
 * - Records are returned as fresh objects; mutating them does not change the store.
 */

/**
 * A `grant_type` (RFC 6749 §4): the core ones, or any a capability registers (stores keep the string;
 * the server decides which it supports).
 */
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials' | (string & {})
/** A `token_endpoint_auth_method` (RFC 7591 §2): the core ones, or any a capability registers. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none' | (string & {})

export interface ClientRecord {
  client_id: string
  /** SHA-256 (base64url) of the secret; null for public clients (`token_endpoint_auth_method: none`). */
  client_secret_hash: string | null
  client_name: string
  redirect_uris: string[]
  post_logout_redirect_uris: string[]
  grant_types: GrantType[]
  /** Scopes this client may be granted. */
  scopes: string[]
  token_endpoint_auth_method: ClientAuthMethod
  /** JWS algorithm for ID tokens (OIDC Registration `id_token_signed_response_alg`). */
  id_token_signed_response_alg: string
  /** First-party clients skip the consent screen (the operator vouches for them). */
  skip_consent: boolean
  created_at: number
  /** OIDC Registration §2 `application_type`: which redirect URIs the client may register. */
  application_type: ApplicationType
  /** RFC 7591 §2 display metadata (https URLs, never fetched by the server); null when not registered. */
  client_uri: string | null
  logo_uri: string | null
  policy_uri: string | null
  tos_uri: string | null
  /** RFC 7591 §2 `contacts`: people responsible for the client. */
  contacts: string[]
  /**
   * Who registered it: the operator (vouched for), anyone through RFC 7591 dynamic registration, or nobody:
   * a client ID metadata document the server fetched (both unverified; the last is never stored).
   */
  registered_by: ClientRegistrar
  /** SHA-256 (base64url) of the RFC 7592 registration access token; null for operator clients. */
  registration_access_token_hash: string | null
  /**
   * A dynamically registered client that has not obtained a token by then is gone (treated as unknown
   * and purged); cleared on its first token. Null: never expires.
   */
  expires_at: number | null
  /**
   * RFC 7591 §3.2.1 `client_secret_expires_at`: the secret stops authenticating the client at this time.
   * Null: it does not expire (the registration response says 0).
   */
  client_secret_expires_at: number | null
  /**
   * The operator disabled the client: it can neither authorize nor authenticate, its tokens stop working,
   * and its registration access token cannot undo it (catalogue DR-09).
   */
  disabled: boolean
  /**
   * RFC 7591 §2 `jwks`: the client's public keys for `private_key_jwt` (public members only, checked at
   * registration); null when not registered. Exclusive with `jwks_uri`.
   */
  jwks: ClientJwks | null
  /** RFC 7591 §2 `jwks_uri`: where the server fetches the client's keys (through the SSRF guard); null when not registered. */
  jwks_uri: string | null
  /** OIDC Registration §2: the one JWS algorithm the client's assertions may use; null: any its method allows. */
  token_endpoint_auth_signing_alg: string | null
  /**
   * A `client_secret_jwt` client's secret sealed with the server secret (RFC 7523 §2.2 needs it as the
   * HMAC key, so a hash will not do; `client_secret_hash` is null then); null for every other client.
   */
  client_secret_sealed: string | null
  /** RFC 9126 §6: the client's authorization requests must be pushed. */
  require_pushed_authorization_requests: boolean
  /** RFC 9449 §5.2: the client's access tokens are always DPoP-bound. */
  dpop_bound_access_tokens: boolean
  /** OIDC Registration §2: the one JWS algorithm the client's request objects may use; null: any allow-listed one. */
  request_object_signing_alg: string | null
  /** RFC 9101 §10.5: the client's authorization requests must be signed request objects. */
  require_signed_request_object: boolean
}

/** A JSON Web Key Set (RFC 7517 §5) of public keys, as registered. */
export interface ClientJwks {
  keys: Array<Record<string, unknown>>
}

/** Which clients `ClientStore.list` returns; without a query, all of them. */
export interface ClientQuery {
  /** Only clients whose `expires_at` is set and at most this time, soonest first. */
  expiredAt?: number
  /** At most this many. */
  limit?: number
}

export type ApplicationType = 'web' | 'native'
export type ClientRegistrar = 'operator' | 'dynamic' | 'metadata_document'

export interface UserRecord {
  /** Stable subject identifier (`sub`). Never reused. */
  id: string
  username: string
  /** Argon2id PHC string. */
  password_hash: string
  name: string | null
  given_name: string | null
  family_name: string | null
  email: string | null
  email_verified: boolean
  picture: string | null
  created_at: number
  updated_at: number
}

export interface AuthorizationCodeRecord {
  code_hash: string
  client_id: string
  user_id: string
  redirect_uri: string
  scopes: string[]
  /**
   * Resource indicators of the authorization request (RFC 8707 §2.1), in the order given; empty when it
   * named none. Codes stored before this field existed carry `resource` instead (read by `store.codes`).
   */
  resources: string[]
  nonce: string | null
  code_challenge: string
  code_challenge_method: 'S256'
  auth_time: number
  /** The provider login session, `sid` in the ID token. */
  session_id: string | null
  /** All tokens issued from this code belong to this grant; a replay revokes it. */
  grant_id: string
  expires_at: number
  /** Set once by `consume`; a code with `consumed_at` is a replay. */
  consumed_at: number | null
  /** RFC 9449 §10: the thumbprint of the key the token request must prove (`dpop_jkt`, or a PAR proof's key). */
  dpop_jkt?: string | null
  /** How the user authenticated at the login behind the code: RFC 8176 `amr` and OIDC Core §2 `acr`, for the grant's tokens; absent when unknown. */
  amr?: string[]
  acr?: string
}

export type ConsumeCodeResult =
  | { status: 'consumed'; code: AuthorizationCodeRecord }
  | { status: 'replayed'; code: AuthorizationCodeRecord }
  | { status: 'unknown' }

export interface RefreshTokenRecord {
  token_hash: string
  /** The rotation family; also the grant id shared with access tokens and the originating code. */
  grant_id: string
  client_id: string
  user_id: string
  scopes: string[]
  /** The resources the grant was authorized for (RFC 8707 §2.1); empty when it named none. */
  resources: string[]
  auth_time: number
  session_id: string | null
  created_at: number
  /** Absolute end of the family: rotation never extends it. */
  expires_at: number
  /** Set when rotated; presenting a rotated token is reuse. */
  consumed_at: number | null
}

export type RotateRefreshTokenResult =
  | { status: 'rotated'; previous: RefreshTokenRecord }
  /**
   * `successor`: what the winning rotation kept (its `keep.sealed`), present only while it is kept and the
   * successor it names is still live and unrotated; the server answers with it instead of revoking.
   */
  | { status: 'reused'; previous: RefreshTokenRecord; successor?: string }
  | { status: 'unknown' }

/**
 * The successor a rotation keeps for the rotation grace (`lifetimes.refreshTokenReuseGrace`): a client
 * presenting the rotated token again shortly after gets the same successor back. Stores hold only hashes,
 * so the server seals the successor's value with its secret; stores never open it, and erase it at `until`.
 */
export interface KeptRefreshSuccessor {
  /** Opaque to stores: the successor as the server sealed it. */
  sealed: string
  /** Unix seconds: from then on the rotated token is plain reuse again and the sealed value is gone. */
  until: number
}

/**
 * An opaque access token (`accessTokenFormat: 'opaque'`): the server-side state behind a random value
 * that carries no claims itself, so introspection and userinfo answer from this record (RFC 7662 §2.2).
 */
export interface AccessTokenRecord {
  token_hash: string
  /** Public id of the token: `jti` in introspection and in the audit trail (never the token value). */
  jti: string
  /** The user grant the token belongs to (revoking it ends the token); null for client credentials. */
  grant_id: string | null
  client_id: string
  /** The resource owner, or the client itself for client credentials (RFC 9068 §2.2 `sub`). */
  subject: string
  /** The user, when the token is of a user grant: deleting the user deletes the token. */
  user_id: string | null
  scopes: string[]
  /** The `aud` the token is valid for (a configured resource), as introspection reports it. */
  audience: string[]
  auth_time: number | null
  created_at: number
  expires_at: number
}

export interface ConsentRecord {
  user_id: string
  client_id: string
  scopes: string[]
  created_at: number
  updated_at: number
}

/** The provider's own login session (cookie holds the id; the store keeps only its hash). */
export interface LoginSessionRecord {
  id_hash: string
  /** Public session id used as `sid` in ID tokens (not the cookie value). */
  sid: string
  user_id: string
  auth_time: number
  created_at: number
  expires_at: number
  /** RFC 8176 methods of this login (`pwd`, `fed`, `otp`, `mfa`, …); `amr` in ID tokens. Absent on older sessions: `pwd`. */
  amr?: string[]
  /** OIDC Core §2 `acr` the login reached, when one is recorded (an upstream's `fed` alone records none). */
  acr?: string
}

/**
 * An authorization request waiting for the user (login, consent). Keyed by a random id carried in the
 * form; bound to the browser by `browser_binding_hash` (hash of a cookie value).
 */
export interface InteractionRecord {
  id: string
  browser_binding_hash: string
  /** The validated authorization request, serialized by the server (opaque to stores). */
  request: string
  /** CSRF token for the forms of this interaction. */
  csrf_token: string
  /** The user once authenticated within this interaction. */
  user_id: string | null
  auth_time: number | null
  created_at: number
  expires_at: number
}

export interface SigningKeyRecord {
  kid: string
  alg: string
  /** Public JWK as JSON. */
  public_jwk: string
  /** Private key, encrypted with the server secret (see src/jwt/keys.ts). */
  private_key_encrypted: string
  created_at: number
  /** The newest non-retired key signs; others only verify. */
  retired_at: number | null
  /** After this the key leaves JWKS (every token it signed has expired). */
  expires_at: number | null
}

export interface ClientStore {
  create(client: ClientRecord): Promise<void>
  get(clientId: string): Promise<ClientRecord | undefined>
  /** Every client by `created_at`, or those the query selects (read through an index, never every row). */
  list(query?: ClientQuery): Promise<ClientRecord[]>
  /**
   * Replaces the stored client of the same `client_id` (everything but `client_id` and `created_at`);
   * false when there is none. Its tokens and consents stay.
   */
  update(client: ClientRecord): Promise<boolean>
  /**
   * Deletes the client and its codes (every short-lived record of the client), refresh and opaque access
   * tokens and consents. Returns false if absent.
   */
  delete(clientId: string): Promise<boolean>
}

export interface UserStore {
  /** Rejects with `StorageConflictError` when the username exists. */
  create(user: UserRecord): Promise<void>
  get(id: string): Promise<UserRecord | undefined>
  getByUsername(username: string): Promise<UserRecord | undefined>
  list(): Promise<UserRecord[]>
  /** Replaces the stored user of the same `id` (everything but `id`, `username` and `created_at`); false when there is none. */
  update(user: UserRecord): Promise<boolean>
  /** Deletes the user and their sessions, codes (every short-lived record of theirs), refresh and opaque access tokens and consents. */
  delete(id: string): Promise<boolean>
}

export interface AuthorizationCodeStore {
  save(code: AuthorizationCodeRecord): Promise<void>
  /**
   * Atomically marks the code consumed. Exactly one concurrent caller gets `consumed`; later callers get
   * `replayed` (the record is kept until it expires so a replay can be detected); unknown or expired
   * codes give `unknown`.
   */
  consume(codeHash: string, now: number): Promise<ConsumeCodeResult>
}

export interface RefreshTokenStore {
  save(token: RefreshTokenRecord): Promise<void>
  /** The record if it exists, is not expired and its grant is not revoked. */
  find(tokenHash: string, now: number): Promise<RefreshTokenRecord | undefined>
  /**
   * In one atomic step: marks `previousHash` consumed and stores `next`, and with `keep` remembers
   * `keep.sealed` for `previousHash` until `keep.until` (same step: never a successor without its kept copy).
   * If `previousHash` was already consumed, nothing is stored and `reused` is returned (the caller revokes
   * the family), carrying the kept `successor` when there is one, `keep.until` has not come and `next` of
   * that rotation is still live and unconsumed. Expired or unknown tokens give `unknown`.
   */
  rotate(previousHash: string, next: RefreshTokenRecord, now: number, keep?: KeptRefreshSuccessor): Promise<RotateRefreshTokenResult>
}

export interface AccessTokenStore {
  /** Rejects with `StorageConflictError` when a token with the same hash exists. */
  save(token: AccessTokenRecord): Promise<void>
  /** The record if it exists, is not expired and its grant (if any) is not revoked. */
  find(tokenHash: string, now: number): Promise<AccessTokenRecord | undefined>
  /** RFC 7009 §2.2: deleting an unknown or already deleted token succeeds too. */
  delete(tokenHash: string): Promise<void>
}

export interface GrantStore {
  /**
   * Revokes a grant: every refresh token of the family is deleted and the grant id is remembered as
   * revoked until `until`, so self-contained access tokens carrying it are refused by introspection and
   * userinfo, and its opaque access tokens are no longer found (stores may delete them at once).
   */
  revoke(grantId: string, until: number): Promise<void>
  isRevoked(grantId: string, now: number): Promise<boolean>
  /** Revokes every grant of one user for one client (user-initiated "disconnect app"). Returns the count. */
  revokeByUserAndClient(userId: string, clientId: string, until: number): Promise<number>
}

export interface RevokedTokenStore {
  /** Remembers a revoked access token (by `jti`) until it would have expired anyway. */
  add(jti: string, expiresAt: number): Promise<void>
  has(jti: string, now: number): Promise<boolean>
}

export interface ConsentStore {
  get(userId: string, clientId: string): Promise<ConsentRecord | undefined>
  /** Adds scopes to the remembered consent (union with what was already granted). */
  grant(userId: string, clientId: string, scopes: string[], now: number): Promise<void>
  revoke(userId: string, clientId: string): Promise<boolean>
  listByUser(userId: string): Promise<ConsentRecord[]>
}

export interface LoginSessionStore {
  create(session: LoginSessionRecord): Promise<void>
  /** The session if not expired. */
  get(idHash: string, now: number): Promise<LoginSessionRecord | undefined>
  delete(idHash: string): Promise<void>
  /** Ends every session of a user (a password change, ASVS 7.4.3). */
  deleteByUser(userId: string): Promise<void>
}

export interface InteractionStore {
  save(interaction: InteractionRecord): Promise<void>
  get(id: string, now: number): Promise<InteractionRecord | undefined>
  /** Atomically removes and returns the interaction: one form submission completes it, once. */
  consume(id: string, now: number): Promise<InteractionRecord | undefined>
}

export interface SigningKeyStore {
  /** All keys not past `expires_at`, newest first. */
  list(now: number): Promise<SigningKeyRecord[]>
  add(key: SigningKeyRecord): Promise<void>
  /**
   * Marks every not-yet-retired key whose kid is not in `keep` retired at `now`, with `expires_at` for
   * leaving JWKS. `keep` may be one kid or several (one new key per algorithm on rotation).
   */
  retireAllExcept(keep: string | readonly string[], now: number, expiresAt: number): Promise<void>
  /**
   * A number that changes whenever keys change; lets a running server notice a rotation made by the CLI
   * or another instance without reloading keys on every request.
   */
  version(): Promise<string>
}

/** A JSON value an audit record may carry: flat, so every store keeps it as it came. */
export type AuditValue = string | number | boolean | null | string[]

/**
 * One entry of the audit trail (who did what, when). Written once, never changed, kept until
 * `expires_at` (the configured retention) even when its user or client is deleted.
 */
export interface AuditRecord {
  /** Unique; sorts in emission order within one second (see src/server/audit/sink.ts). */
  id: string
  /** Event type, e.g. `login.failed` (the union in src/server/audit/events.ts). */
  type: string
  time: number
  /** The user the event is about (a user id, or the client itself for client credentials); null if unknown. */
  subject: string | null
  client_id: string | null
  /** Event-specific fields. Never secrets: no passwords, token values, codes or client secrets. */
  details: Record<string, AuditValue>
  expires_at: number
}

export interface AuditQuery {
  /** Inclusive lower bound on `time`. */
  since?: number | undefined
  /** Exclusive upper bound on `time`. */
  until?: number | undefined
  /** Exact event type, or any of several. */
  type?: string | readonly string[] | undefined
  subject?: string | undefined
  clientId?: string | undefined
  /** At most this many records (a positive integer). */
  limit: number
}

export interface AuditStore {
  /** Stores the records in one step: all of them, or none (`StorageConflictError` on a duplicate id). */
  append(...records: AuditRecord[]): Promise<void>
  /** Matching records, newest first (`time`, then `id`, descending). */
  list(query: AuditQuery): Promise<AuditRecord[]>
}

/**
 * The kind of a short-lived record (`code`, `session`, `interaction`, …) and the type of its value. A kind
 * is a name plus a type: declaring one (see ./kinds/) is all a new kind of short-lived record needs.
 *
 * @example const DEVICE_CODE: RecordKind<DeviceCodeRecord> = { name: 'device-code' }
 */
export interface RecordKind<T> {
  /** Unique among kinds; lowercase letters and `-` (it becomes part of a Redis key). */
  readonly name: string
  /** Never set: carries the value type so that `get(kind, …)` returns a `T`. */
  readonly valueType?: T
  /**
   * Lives until deleted, like configuration (stored APIs), rather than for minutes: a store with a
   * short-lived part (PostgreSQL + Redis) keeps such records in its database, never in Redis.
   */
  readonly durable?: boolean
}

/** A record to store under `(kind, key)`. */
export interface NewRecord<T> {
  /** Unique within its kind; usually a hash of what the client holds (a code, a cookie value). */
  key: string
  /** JSON-shaped (primitives, arrays, plain objects); stored as it comes, returned as a copy. */
  value: T
  /** Unix seconds: the record is gone for `get` and `consume` from this second on. */
  expiresAt: number
  /** The user it belongs to: `UserStore.delete` and `deleteBySubject` delete it with the user. */
  subject?: string | null
  /** The client it belongs to: `ClientStore.delete` and `deleteByClient` delete it with the client. */
  clientId?: string | null
}

/** A stored record as `get`, `consume` and `listBySubject` return it. */
export interface KeyedRecord<T> {
  key: string
  value: T
  expiresAt: number
  subject: string | null
  clientId: string | null
  /** When `consume` took it; a consumed record stays (for replay detection) until it expires. */
  consumedAt: number | null
  /** Changes with every `update` (and `put` with `replace`): the compare in compare-and-set. */
  revision: number
}

export type ConsumeRecordResult<T> =
  /** This caller took the record: it is the one winner. */
  | { status: 'consumed'; record: KeyedRecord<T> }
  /** Taken before (by this or a concurrent caller), at `record.consumedAt`: a replay. */
  | { status: 'replayed'; record: KeyedRecord<T> }
  /** Never stored, expired, purged or deleted. */
  | { status: 'unknown' }

/**
 * The one keyed-record facility for short-lived records: codes, interactions and login sessions now, and
 * pushed authorization requests, device codes, DPoP proof ids or upstream login transactions next,
 * without another line of backend code. Typed stores (./kinds/) sit on top of it.
 *
 * Every call decides validity by the caller's `now` (`expiresAt > now`); a backend may drop expired
 * records earlier (`purgeExpired`, a Redis TTL) but never returns one.
 *
 * @example await store.records.put(DPOP_PROOF, { key: jti, value: {}, expiresAt: iat + 300 }) // rejects on replay
 * @see ./kinds/codes.ts for a kind built on it
 */
export interface RecordStore {
  /**
   * Stores a new record. Rejects with `StorageConflictError` while a record with that key exists (not yet
   * purged, consumed or not): "add if absent", e.g. for replay marks. With `replace`, creates or
   * overwrites it instead (an upsert that clears a consumption).
   */
  put<T>(kind: RecordKind<T>, record: NewRecord<T>, options?: { replace?: boolean }): Promise<void>
  /** The live record: undefined once expired, consumed or deleted. */
  get<T>(kind: RecordKind<T>, key: string, now: number): Promise<KeyedRecord<T> | undefined>
  /**
   * Atomic single use: of many concurrent callers exactly one gets `consumed`, every later one
   * `replayed` with the winner's `consumedAt` (RFC 6749 §4.1.2 needs to tell a replay from a stranger).
   */
  consume<T>(kind: RecordKind<T>, key: string, now: number): Promise<ConsumeRecordResult<T>>
  /**
   * Compare-and-set: replaces the value only if the record is live, unconsumed and still at `revision`
   * (as read by `get`); false otherwise, and the caller reads again. For state that changes while the
   * record lives, such as a device code going from pending to approved while its client polls.
   */
  update<T>(kind: RecordKind<T>, key: string, revision: number, value: T, now: number): Promise<boolean>
  /** Deleting an unknown record succeeds too. */
  delete(kind: RecordKind<unknown>, key: string): Promise<void>
  /** Deletes the subject's records, of one kind or (without `kind`) of every kind. */
  deleteBySubject(subject: string, kind?: RecordKind<unknown>): Promise<void>
  /** Deletes the client's records, of one kind or of every kind. */
  deleteByClient(clientId: string, kind?: RecordKind<unknown>): Promise<void>
  /** The subject's records of one kind, consumed and expired ones included until they are purged. */
  listBySubject<T>(kind: RecordKind<T>, subject: string): Promise<KeyedRecord<T>[]>
}

export interface Store {
  readonly clients: ClientStore
  readonly users: UserStore
  readonly codes: AuthorizationCodeStore
  readonly refreshTokens: RefreshTokenStore
  readonly accessTokens: AccessTokenStore
  readonly grants: GrantStore
  readonly revokedTokens: RevokedTokenStore
  readonly consents: ConsentStore
  readonly sessions: LoginSessionStore
  readonly interactions: InteractionStore
  readonly keys: SigningKeyStore
  readonly audit: AuditStore
  /** Short-lived records of every kind; `codes`, `sessions` and `interactions` are views of it. */
  readonly records: RecordStore
  /** Deletes expired short-lived records (codes, sessions, interactions…), refresh and opaque access tokens, revocation entries and audit records. */
  purgeExpired(now: number): Promise<void>
  /**
   * Resolves when every server behind the store answers a trivial query (readiness checks, `/readyz`);
   * rejects with `StorageUnavailableError` otherwise. Cheap: no table is read.
   */
  ping(): Promise<void>
  /** Releases the store's connections. */
  close(): Promise<void>
}

/** Thrown by `create` methods on a duplicate unique key (client id, username, kid). */
export class StorageConflictError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StorageConflictError'
  }
}

/**
 * Thrown when the database or cache behind a store cannot be reached (connection refused, lost or timed
 * out, server starting up or shutting down). The same call may succeed later, so a server answers 503
 * `temporarily_unavailable` (RFC 6749 §4.1.2.1) instead of 500. `message` and `cause` are operator
 * detail: never send them to a client.
 *
 * @example if (error instanceof StorageUnavailableError) return serviceUnavailable()
 */
export class StorageUnavailableError extends Error {
  /** Which backend failed, for logs and `/readyz`. */
  readonly backend: 'postgres' | 'redis'

  constructor(backend: 'postgres' | 'redis', message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StorageUnavailableError'
    this.backend = backend
  }
}
