import { randomUUID } from 'node:crypto'
import { randomCredential, sha256 } from '../crypto/random.js'
import { hashPassword } from '../crypto/passwords.js'
import { isSigningAlgorithm } from '../jwt/keys.js'
import { openSealedSecret, sealSecret } from '../jwt/sealed-secret.js'
import { validateClientKeys } from '../protocol/rfc7591/client-keys.js'
import { validateRedirectUriForRegistration } from '../protocol/rfc6749/redirect-uri.js'
import { REQUEST_OBJECT_ALGORITHMS } from '../protocol/rfc9101/request-object.js'
import type { ClientAuthMethod, ClientRecord, GrantType, Store, UserRecord } from '../storage/types.js'
import { DEFAULT_KEY_ALGORITHMS } from './key-set.js'
import type { Registry } from './context.js'
import { CORE_CAPABILITIES } from './core-capabilities.js'
import { createRegistry } from './registry.js'
import { auditOf, type AdminOptions, type ClientRules } from './admin-options.js'
import { queueBackchannelLogout } from './backchannel-logout/queue.js'

export type { AdminOptions, ClientRules } from './admin-options.js'

/** Thrown for invalid client or user input; the message names the field. */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ValidationError'
  }
}

let coreRegistry: Registry | undefined

function rulesOf(options: AdminOptions): ClientRules {
  return options.registry ?? (coreRegistry ??= createRegistry(CORE_CAPABILITIES))
}

/** What `createClient` needs to register a client. */
export interface NewClientInput {
  name: string
  redirectUris?: string[]
  postLogoutRedirectUris?: string[]
  grantTypes?: GrantType[]
  scopes?: string[]
  authMethod?: ClientAuthMethod
  idTokenSignedResponseAlg?: string
  skipConsent?: boolean
  /** Fixed id (e.g. the demo client); generated when omitted. */
  clientId?: string
  /** Fixed secret (tests, demo); generated with 256 bits of entropy when omitted. */
  clientSecret?: string
  /** `private_key_jwt`: the client's public keys (RFC 7517 JWKS); exclusive with `jwksUri`. */
  jwks?: unknown
  /** `private_key_jwt`: where the server fetches the client's keys (https; http on loopback for development). */
  jwksUri?: string
  /** The one algorithm its client assertions may use (OIDC Registration §2). */
  tokenEndpointAuthSigningAlg?: string
  /** RFC 9126 §6: its authorization requests must be pushed. */
  requirePushedAuthorizationRequests?: boolean
  /** RFC 9449 §5.2: its access tokens are always DPoP-bound. */
  dpopBoundAccessTokens?: boolean
  /** RFC 9101 §10.5: its authorization requests must be signed request objects (needs `jwks` or `jwksUri`). */
  requireSignedRequestObject?: boolean
  /** OIDC Registration §2: the one algorithm its request objects may use (RS256, PS256, ES256 or EdDSA). */
  requestObjectSigningAlg?: string
}

/** A client just registered, with its secret shown this once. */
export interface CreatedClient {
  client: ClientRecord
  /**
   * Shown once; only its SHA-256 is stored (sealed with the server secret for `client_secret_jwt`).
   * Undefined for public and `private_key_jwt` clients.
   */
  clientSecret: string | undefined
}


/**
 * Registers a client. Secrets are high-entropy URL-safe strings stored as SHA-256: a slow hash adds
 * nothing against 256 random bits. Public clients (`none`) get no secret and cannot use client
 * credentials.
 */
export async function createClient(store: Store, input: NewClientInput, now: number, options: AdminOptions = {}): Promise<CreatedClient> {
  const authMethod = input.authMethod ?? 'client_secret_basic'
  const settings = validClientSettings(rulesOf(options), {
    client_name: input.name,
    redirect_uris: input.redirectUris ?? [],
    post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
    grant_types: input.grantTypes ?? ['authorization_code', 'refresh_token'],
    scopes: input.scopes ?? ['openid', 'profile', 'email'],
    token_endpoint_auth_method: authMethod,
    id_token_signed_response_alg: input.idTokenSignedResponseAlg ?? 'RS256',
    skip_consent: input.skipConsent ?? false,
  })
  const keys = validKeys(authMethod, { jwks: input.jwks, jwksUri: input.jwksUri, alg: input.tokenEndpointAuthSigningAlg })
  const clientSecret = authMethod === 'none' || authMethod === 'private_key_jwt' ? undefined : (input.clientSecret ?? randomCredential(32))
  const client: ClientRecord = {
    client_id: input.clientId ?? randomCredential(16),
    ...(await storedSecret(authMethod, clientSecret, options)),
    ...settings,
    created_at: now,
    ...operatorClientMetadata(),
    ...keys,
    require_pushed_authorization_requests: input.requirePushedAuthorizationRequests ?? false,
    dpop_bound_access_tokens: input.dpopBoundAccessTokens ?? false,
    require_signed_request_object: input.requireSignedRequestObject ?? false,
    request_object_signing_alg: validRequestObjectAlg(input.requestObjectSigningAlg ?? null),
  }
  await store.clients.create(client)
  await auditClient(store, options, 'client.created', client)
  return { client, clientSecret }
}

/** The secret as it is kept: SHA-256, or sealed for `client_secret_jwt` (its HMAC key, RFC 7523 §2.2). */
async function storedSecret(
  authMethod: string, clientSecret: string | undefined, options: AdminOptions,
): Promise<Pick<ClientRecord, 'client_secret_hash' | 'client_secret_sealed'>> {
  if (clientSecret === undefined) return { client_secret_hash: null, client_secret_sealed: null }
  if (authMethod !== 'client_secret_jwt') return { client_secret_hash: sha256(clientSecret), client_secret_sealed: null }
  if (options.secret === undefined) throw new ValidationError('client_secret_jwt clients need the server secret to seal their secret (AdminOptions.secret)')
  return { client_secret_hash: null, client_secret_sealed: await sealSecret(clientSecret, options.secret) }
}

/** Keys and assertion algorithm, under the rules of dynamic registration; operators may name an http `jwks_uri` on loopback (the SSRF guard still decides). */
function validKeys(authMethod: string, input: { jwks: unknown; jwksUri: unknown; alg: unknown }): Pick<ClientRecord, 'jwks' | 'jwks_uri' | 'token_endpoint_auth_signing_alg'> {
  const keys = validateClientKeys({ tokenEndpointAuthMethod: authMethod, jwks: input.jwks, jwksUri: input.jwksUri, tokenEndpointAuthSigningAlg: input.alg }, { allowLoopbackHttp: true })
  if (typeof keys === 'string') throw new ValidationError(keys)
  return { jwks: keys.jwks, jwks_uri: keys.jwks_uri, token_endpoint_auth_signing_alg: keys.token_endpoint_auth_signing_alg }
}

/** RFC 9101: the algorithms `signedRequestObjects` verifies; anything else could never be used. */
function validRequestObjectAlg(alg: string | null): string | null {
  if (alg !== null && !(REQUEST_OBJECT_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new ValidationError(`request object signing algorithm must be one of ${REQUEST_OBJECT_ALGORITHMS.join(', ')}`)
  }
  return alg
}

type ClientSettings = Pick<
  ClientRecord,
  'client_name' | 'redirect_uris' | 'post_logout_redirect_uris' | 'grant_types' | 'scopes' | 'token_endpoint_auth_method' | 'id_token_signed_response_alg' | 'skip_consent'
>

/** What an operator-registered client carries of RFC 7591's metadata: nothing to display, vouched for, never expiring. */
function operatorClientMetadata(): Omit<
  ClientRecord, keyof ClientSettings | 'client_id' | 'client_secret_hash' | 'client_secret_sealed' | 'created_at' | 'jwks' | 'jwks_uri' | 'token_endpoint_auth_signing_alg' | 'require_pushed_authorization_requests' | 'dpop_bound_access_tokens' | 'require_signed_request_object' | 'request_object_signing_alg'
> {
  return {
    application_type: 'web', client_uri: null, logo_uri: null, policy_uri: null, tos_uri: null, contacts: [],
    registered_by: 'operator', registration_access_token_hash: null, expires_at: null, client_secret_expires_at: null, disabled: false,
  }
}

/** The rules every registered client obeys, on creation and on every update; the settings normalized. */
function validClientSettings(rules: ClientRules, input: ClientSettings): ClientSettings {
  const name = input.client_name.trim()
  if (name === '') throw new ValidationError('name must not be empty')
  const grantTypes: GrantType[] = [...new Set<GrantType>(input.grant_types)]
  const authMethod = input.token_endpoint_auth_method
  const method = rules.authMethods.get(authMethod)
  for (const type of grantTypes) {
    const grant = rules.grants.get(type)
    if (!grant) throw new ValidationError(`unsupported grant type ${type}`)
    if (method && !method.confidential && grant.confidentialOnly) throw new ValidationError(`public clients (auth method ${authMethod}) cannot use ${type}`)
    if (grant.usesRedirectUri && input.redirect_uris.length === 0) throw new ValidationError(`at least one redirect URI is required for ${type}`)
  }
  if (!method) throw new ValidationError(`unsupported auth method ${authMethod}`)
  for (const uri of [...input.redirect_uris, ...input.post_logout_redirect_uris]) {
    const problem = validateRedirectUriForRegistration(uri)
    if (problem) throw new ValidationError(`redirect URI ${uri} ${problem}`)
  }
  const alg = input.id_token_signed_response_alg
  if (!isSigningAlgorithm(alg) || !DEFAULT_KEY_ALGORITHMS.includes(alg)) {
    throw new ValidationError(`id_token_signed_response_alg must be one of ${DEFAULT_KEY_ALGORITHMS.join(', ')}`)
  }
  return {
    client_name: name,
    redirect_uris: [...input.redirect_uris],
    post_logout_redirect_uris: [...input.post_logout_redirect_uris],
    grant_types: grantTypes,
    scopes: [...new Set(input.scopes)],
    token_endpoint_auth_method: authMethod,
    id_token_signed_response_alg: alg,
    skip_consent: input.skip_consent,
  }
}

async function auditClient(store: Store, options: AdminOptions, type: 'client.created' | 'client.updated', client: ClientRecord): Promise<void> {
  const { audit, actor } = auditOf(store, options)
  await audit.record({
    type, client_id: client.client_id, client_name: client.client_name, grant_types: client.grant_types,
    scopes: client.scopes, redirect_uris: client.redirect_uris, actor,
  })
}

/**
 * What `updateClient` may change; omitted fields keep their value, `null` clears `jwks`, `jwksUri` and
 * `tokenEndpointAuthSigningAlg`. The secret does not change here; a confidential client may move to another
 * confidential method, and one whose secret cannot serve the new method (a hash cannot be an HMAC key) is
 * left without one until `rotateClientSecret`.
 */
export interface ClientChanges {
  authMethod?: ClientAuthMethod
  jwks?: unknown
  jwksUri?: string | null
  tokenEndpointAuthSigningAlg?: string | null
  requirePushedAuthorizationRequests?: boolean
  dpopBoundAccessTokens?: boolean
  requireSignedRequestObject?: boolean
  /** null: any allow-listed algorithm again. */
  requestObjectSigningAlg?: string | null
  name?: string
  redirectUris?: string[]
  postLogoutRedirectUris?: string[]
  grantTypes?: GrantType[]
  scopes?: string[]
  idTokenSignedResponseAlg?: string
  skipConsent?: boolean
}

/**
 * Changes a registered client under the same rules as `createClient`, and audits it (`client.updated`).
 * Takes effect at the next request on every instance: redirect URIs are compared with the stored list
 * each time, so a removed URI can no longer receive codes. Undefined when there is no such client.
 *
 * @example await updateClient(store, 'notes-app', { redirectUris: ['https://notes.example/callback'] })
 */
export async function updateClient(store: Store, clientId: string, changes: ClientChanges, options: AdminOptions = {}): Promise<ClientRecord | undefined> {
  const current = await store.clients.get(clientId)
  if (!current) return undefined
  const settings = validClientSettings(rulesOf(options), {
    client_name: changes.name ?? current.client_name,
    redirect_uris: changes.redirectUris ?? current.redirect_uris,
    post_logout_redirect_uris: changes.postLogoutRedirectUris ?? current.post_logout_redirect_uris,
    grant_types: changes.grantTypes ?? current.grant_types,
    scopes: changes.scopes ?? current.scopes,
    token_endpoint_auth_method: changes.authMethod ?? current.token_endpoint_auth_method,
    id_token_signed_response_alg: changes.idTokenSignedResponseAlg ?? current.id_token_signed_response_alg,
    skip_consent: changes.skipConsent ?? current.skip_consent,
  })
  const method = settings.token_endpoint_auth_method
  if (method !== current.token_endpoint_auth_method && (method === 'none' || current.token_endpoint_auth_method === 'none')) {
    throw new ValidationError('a client cannot move between public (auth method none) and confidential')
  }
  const pick = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value)
  const keys = validKeys(method, {
    jwks: changes.jwksUri != null ? null : pick(changes.jwks, current.jwks),
    // Registering one kind of key source replaces the other.
    jwksUri: changes.jwks != null ? null : pick(changes.jwksUri, current.jwks_uri),
    alg: pick(changes.tokenEndpointAuthSigningAlg, method === current.token_endpoint_auth_method ? current.token_endpoint_auth_signing_alg : null),
  })
  const client: ClientRecord = {
    ...current, ...settings, ...keys, ...secretFor(method, current),
    require_pushed_authorization_requests: changes.requirePushedAuthorizationRequests ?? current.require_pushed_authorization_requests,
    dpop_bound_access_tokens: changes.dpopBoundAccessTokens ?? current.dpop_bound_access_tokens,
    require_signed_request_object: changes.requireSignedRequestObject ?? current.require_signed_request_object,
    request_object_signing_alg: validRequestObjectAlg(pick(changes.requestObjectSigningAlg, current.request_object_signing_alg)),
  }
  if (!(await store.clients.update(client))) return undefined
  await auditClient(store, options, 'client.updated', client)
  return client
}

/** The secret a client keeps under `method`: a hash serves every secret method but `client_secret_jwt`, a sealed secret only that one. */
function secretFor(method: string, current: ClientRecord): Pick<ClientRecord, 'client_secret_hash' | 'client_secret_sealed'> {
  if (method === 'private_key_jwt' || method === 'none') return { client_secret_hash: null, client_secret_sealed: null }
  if (method === 'client_secret_jwt') return { client_secret_hash: null, client_secret_sealed: current.client_secret_sealed }
  return { client_secret_hash: current.client_secret_hash, client_secret_sealed: null }
}

/**
 * Gives a confidential client a new secret (256 random bits, stored as SHA-256) and audits it
 * (`client.secret_rotated`); the old secret stops working at once. The new secret does not expire (the
 * operator issued it, not the registration endpoint's secret lifetime). Returns the new secret, shown
 * once, or undefined when there is no such client.
 *
 * @example const secret = await rotateClientSecret(store, 'reporting-job', { actor: 'cli' })
 */
export async function rotateClientSecret(store: Store, clientId: string, options: AdminOptions = {}): Promise<string | undefined> {
  const current = await store.clients.get(clientId)
  if (!current) return undefined
  if (current.token_endpoint_auth_method === 'none') throw new ValidationError('a public client (auth method none) has no secret')
  if (current.token_endpoint_auth_method === 'private_key_jwt') throw new ValidationError('a private_key_jwt client has keys, not a secret')
  const secret = randomCredential(32)
  const stored = await storedSecret(current.token_endpoint_auth_method, secret, options)
  if (!(await store.clients.update({ ...current, ...stored, client_secret_expires_at: null }))) return undefined
  const { audit, actor } = auditOf(store, options)
  await audit.record({ type: 'client.secret_rotated', client_id: clientId, actor })
  return secret
}

/**
 * Seals every `client_secret_jwt` client's secret again under `secrets[0]` (the newest server secret), opening
 * it with any of `secrets` — the step of a server-secret rotation that lets the old secret go. Throws
 * `ValidationError` naming a client whose secret none of them opens, before changing anything. Returns the
 * ids of the clients resealed.
 *
 * @example await resealClientSecrets(store, ['new-secret…', 'old-secret…'])
 */
export async function resealClientSecrets(store: Store, secrets: readonly string[]): Promise<string[]> {
  const [newest] = secrets
  if (newest === undefined) throw new ValidationError('no server secret given')
  const sealed = (await store.clients.list()).filter((client) => client.client_secret_sealed !== null)
  const opened: Array<{ client: ClientRecord; secret: string }> = []
  for (const client of sealed) {
    const secret = await openSealedSecret(client.client_secret_sealed ?? '', secrets)
    if (secret === undefined) throw new ValidationError(`none of the server secrets opens the secret of client ${client.client_id}`)
    opened.push({ client, secret })
  }
  for (const { client, secret } of opened) await store.clients.update({ ...client, client_secret_sealed: await sealSecret(secret, newest) })
  return opened.map(({ client }) => client.client_id)
}

/**
 * Disables (or enables again) a client and audits it (`client.disabled`, `client.enabled`). A disabled
 * client is unknown at the authorization endpoint, fails authentication at the token, revocation and
 * introspection endpoints, its access tokens are inactive at introspection and userinfo, and its RFC 7592
 * registration access token is refused — so only an operator can enable it again (catalogue DR-09 (c),
 * Keycloak CVE-2026-9705). Its grants stay, and work again once enabled. Returns the client, or undefined
 * when there is no such client.
 *
 * @example await setClientDisabled(store, 'suspicious-app', true, { actor: 'cli' })
 */
export async function setClientDisabled(store: Store, clientId: string, disabled: boolean, options: AdminOptions = {}): Promise<ClientRecord | undefined> {
  const current = await store.clients.get(clientId)
  if (!current) return undefined
  const client: ClientRecord = { ...current, disabled }
  if (current.disabled === disabled) return client
  if (!(await store.clients.update(client))) return undefined
  const { audit, actor } = auditOf(store, options)
  await audit.record({ type: disabled ? 'client.disabled' : 'client.enabled', client_id: clientId, actor })
  return client
}

/** What `createUser` needs to create a user. */
export interface NewUserInput {
  username: string
  password: string
  name?: string
  givenName?: string
  familyName?: string
  email?: string
  emailVerified?: boolean
  picture?: string
}

// ASVS 6.2.1: at least 8 characters; 6.2.9: allow at least 64.
function checkPassword(password: string): void {
  if (password.length < 8 || password.length > 256) throw new ValidationError('password must be 8 to 256 characters')
}

/** Creates a user with an Argon2id password hash and a random, never-reused subject identifier. */
export async function createUser(store: Store, input: NewUserInput, now: number, options: AdminOptions = {}): Promise<UserRecord> {
  if (!/^[\x21-\x7E]{1,128}$/.test(input.username)) throw new ValidationError('username must be 1-128 visible ASCII characters')
  checkPassword(input.password)
  const user: UserRecord = {
    id: randomUUID(),
    username: input.username,
    password_hash: await hashPassword(input.password),
    name: input.name ?? null,
    given_name: input.givenName ?? null,
    family_name: input.familyName ?? null,
    email: input.email ?? null,
    email_verified: input.emailVerified ?? false,
    picture: input.picture ?? null,
    created_at: now,
    updated_at: now,
    disabled: false,
  }
  await store.users.create(user)
  const { audit, actor } = auditOf(store, options)
  await audit.record({ type: 'user.created', user_id: user.id, username: user.username, actor })
  return user
}

/**
 * What `updateUser` may change; omitted fields keep their value, `null` clears a profile field. The
 * username and subject never change (the subject is the user's identity at every client).
 */
export interface UserChanges {
  password?: string
  name?: string | null
  givenName?: string | null
  familyName?: string | null
  email?: string | null
  emailVerified?: boolean
  picture?: string | null
}

/**
 * Changes a user's password (Argon2id) or profile claims and audits it: `user.password_changed` for a
 * new password, which also ends the user's provider sessions, `user.updated` for the profile. Claims reach clients in the next ID token or userinfo
 * answer. Undefined when there is no such user.
 *
 * @example await updateUser(store, userId, { password: 'a new passphrase' }, now, { actor: 'cli' })
 */
export async function updateUser(store: Store, userId: string, changes: UserChanges, now: number, options: AdminOptions = {}): Promise<UserRecord | undefined> {
  if (changes.password !== undefined) checkPassword(changes.password)
  const current = await store.users.get(userId)
  if (!current) return undefined
  const pick = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value)
  const user: UserRecord = {
    ...current,
    password_hash: changes.password === undefined ? current.password_hash : await hashPassword(changes.password),
    name: pick(changes.name, current.name),
    given_name: pick(changes.givenName, current.given_name),
    family_name: pick(changes.familyName, current.family_name),
    email: pick(changes.email, current.email),
    // A new address is not verified unless the caller says so.
    email_verified: pick(changes.emailVerified, changes.email !== undefined && changes.email !== current.email ? false : current.email_verified),
    picture: pick(changes.picture, current.picture),
    updated_at: now,
  }
  if (!(await store.users.update(user))) return undefined
  // ASVS 7.4.3: whoever knew the old password is logged out of the provider. Tokens already issued to
  // clients stay (they were granted by consent, not by the password); `revokeConsent` ends those.
  if (changes.password !== undefined) {
    // Back-Channel Logout: the clients of every session that ends are told by a running server.
    await queueBackchannelLogout(store, userId, 'password_changed', now)
    await store.sessions.deleteByUser(userId)
  }
  const { audit, actor } = auditOf(store, options)
  if (changes.password !== undefined) await audit.record({ type: 'user.password_changed', user_id: userId, username: user.username, actor })
  const profileChanged = Object.keys(changes).some((field) => field !== 'password')
  if (profileChanged) await audit.record({ type: 'user.updated', user_id: userId, username: user.username, actor })
  return user
}

/** The longest a refresh token lives by default (`lifetimes.refreshToken`): how long revocations are remembered when the caller knows no better. */
const DEFAULT_REVOCATION_SECONDS = 30 * 24 * 3600

/**
 * Revokes every grant of the user at every client: refresh tokens and opaque access tokens at once, JWT
 * access tokens at introspection and userinfo; `until` is how long the revocation is remembered (the
 * longest token lifetime from now). The store revokes by user and client, so this asks for each stored
 * client and each client the user consented to (clients known by a metadata document are not stored).
 * Returns how many grants ended.
 *
 * @example await revokeUserGrants(store, userId, now + 30 * 86400)
 */
export async function revokeUserGrants(store: Store, userId: string, until: number): Promise<number> {
  const clientIds = new Set([...(await store.clients.list()).map((client) => client.client_id), ...(await store.consents.listByUser(userId)).map((consent) => consent.client_id)])
  let count = 0
  for (const clientId of clientIds) count += await store.grants.revokeByUserAndClient(userId, clientId, until)
  return count
}

/**
 * Switches a user off (or back on) and audits it (`user.disabled`, `user.enabled`). A disabled user signs in
 * nowhere (password, passkey, upstream provider, device flow), their sessions are not honoured and no grant of
 * theirs issues tokens. Switching off also ends their provider sessions (back-channel logouts are queued for a
 * running server) and revokes every grant at once, remembered until `until` (default: the default refresh-token
 * lifetime from `now`): enabling the user again brings back none of them. Returns the user, or undefined when
 * there is no such user.
 *
 * @example await setUserDisabled(store, userId, true, now, { actor: 'cli' })
 */
export async function setUserDisabled(store: Store, userId: string, disabled: boolean, now: number, options: AdminOptions & { until?: number } = {}): Promise<UserRecord | undefined> {
  const current = await store.users.get(userId)
  if (!current) return undefined
  if (current.disabled === disabled) return current
  const user: UserRecord = { ...current, disabled, updated_at: now }
  // The switch first: a sign-in or refresh racing with this call finds the user disabled.
  if (!(await store.users.update(user))) return undefined
  if (disabled) {
    await queueBackchannelLogout(store, userId, 'revoked', now)
    await store.sessions.deleteByUser(userId)
    await revokeUserGrants(store, userId, options.until ?? now + DEFAULT_REVOCATION_SECONDS)
  }
  const { audit, actor } = auditOf(store, options)
  await audit.record({ type: disabled ? 'user.disabled' : 'user.enabled', user_id: userId, username: user.username, actor })
  return user
}

/**
 * Deletes a client with its codes, refresh tokens and consents, and audits it. Returns false (and
 * records nothing) when there was no such client.
 *
 * @example await deleteClient(store, 'reporting-job', { actor: 'cli' })
 */
export async function deleteClient(store: Store, clientId: string, options: AdminOptions = {}): Promise<boolean> {
  if (!(await store.clients.delete(clientId))) return false
  const { audit, actor } = auditOf(store, options)
  await audit.record({ type: 'client.deleted', client_id: clientId, actor })
  return true
}

/**
 * Deletes a user with their sessions, codes, refresh tokens, consents and notes, and audits it. Returns
 * false (and records nothing) when there was no such user.
 *
 * @example await deleteUser(store, userId, { actor: 'cli' })
 */
export async function deleteUser(store: Store, userId: string, options: AdminOptions = {}): Promise<boolean> {
  const user = await store.users.get(userId)
  if (!(await store.users.get(userId))) return false
  // Read before the user's records (the sessions' clients among them) go with the user.
  await queueBackchannelLogout(store, userId, 'user_deleted', Math.floor(Date.now() / 1000))
  if (!(await store.users.delete(userId))) return false
  const { audit, actor } = auditOf(store, options)
  await audit.record({ type: 'user.deleted', user_id: userId, username: user?.username ?? null, actor })
  return true
}

/**
 * "Disconnect this app": forgets the user's consent for the client and revokes every grant between them
 * (refresh tokens at once, access tokens at introspection and userinfo), then audits it. `until` is how
 * long the revocation must be remembered: the longest refresh-token lifetime.
 *
 * @example await revokeConsent(store, userId, 'notes-app', now + 30 * 86400)
 */
export async function revokeConsent(store: Store, userId: string, clientId: string, until: number, options: AdminOptions = {}): Promise<{ consent: boolean; revokedGrants: number }> {
  const consent = await store.consents.revoke(userId, clientId)
  const revokedGrants = await store.grants.revokeByUserAndClient(userId, clientId, until)
  if (consent || revokedGrants > 0) {
    const { audit, actor } = auditOf(store, options)
    await audit.record({ type: 'consent.revoked', user_id: userId, client_id: clientId, revoked_grants: revokedGrants, actor })
  }
  return { consent, revokedGrants }
}
