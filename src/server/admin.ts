import { randomUUID } from 'node:crypto'
import { randomToken, sha256 } from '../crypto/random.js'
import { hashPassword } from '../crypto/passwords.js'
import { isSigningAlgorithm } from '../jwt/keys.js'
import { validateRedirectUriForRegistration } from '../protocol/rfc6749/redirect-uri.js'
import type { ClientAuthMethod, ClientRecord, GrantType, Store, UserRecord } from '../storage/types.js'
import { DEFAULT_KEY_ALGORITHMS } from './key-set.js'
import type { AuditActor } from './audit/events.js'
import { createAuditSink, type AuditSink } from './audit/sink.js'

/** Thrown for invalid client or user input; the message names the field. */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ValidationError'
  }
}

/**
 * Where administrative changes are audited and who made them. Without `audit` the change is recorded in
 * the store only (no log line); the record is awaited, so it exists when the function returns.
 */
export interface AdminOptions {
  audit?: AuditSink
  /** Default `admin` (library code); the CLI passes `cli`. */
  actor?: AuditActor
}

function auditOf(store: Store, options: AdminOptions): { audit: AuditSink; actor: AuditActor } {
  return { audit: options.audit ?? createAuditSink({ store }), actor: options.actor ?? 'admin' }
}

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
}

export interface CreatedClient {
  client: ClientRecord
  /** Shown once; only its SHA-256 is stored. Undefined for public clients. */
  clientSecret: string | undefined
}

const GRANT_TYPES: readonly GrantType[] = ['authorization_code', 'refresh_token', 'client_credentials']
const AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none']

/**
 * Registers a client. Secrets are high-entropy URL-safe strings stored as SHA-256: a slow hash adds
 * nothing against 256 random bits. Public clients (`none`) get no secret and cannot use client
 * credentials.
 */
export async function createClient(store: Store, input: NewClientInput, now: number, options: AdminOptions = {}): Promise<CreatedClient> {
  if (input.name.trim() === '') throw new ValidationError('name must not be empty')
  const grantTypes: GrantType[] = [...new Set<GrantType>(input.grantTypes ?? ['authorization_code', 'refresh_token'])]
  for (const grant of grantTypes) if (!GRANT_TYPES.includes(grant)) throw new ValidationError(`unsupported grant type ${grant}`)
  const authMethod = input.authMethod ?? 'client_secret_basic'
  if (!AUTH_METHODS.includes(authMethod)) throw new ValidationError(`unsupported auth method ${authMethod}`)
  if (authMethod === 'none' && grantTypes.includes('client_credentials')) {
    throw new ValidationError('public clients (auth method none) cannot use client_credentials')
  }
  const redirectUris = input.redirectUris ?? []
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw new ValidationError('at least one redirect URI is required for authorization_code')
  }
  for (const uri of [...redirectUris, ...(input.postLogoutRedirectUris ?? [])]) {
    const problem = validateRedirectUriForRegistration(uri)
    if (problem) throw new ValidationError(`redirect URI ${uri} ${problem}`)
  }
  const alg = input.idTokenSignedResponseAlg ?? 'RS256'
  if (!isSigningAlgorithm(alg) || !DEFAULT_KEY_ALGORITHMS.includes(alg)) {
    throw new ValidationError(`id_token_signed_response_alg must be one of ${DEFAULT_KEY_ALGORITHMS.join(', ')}`)
  }
  const clientSecret = authMethod === 'none' ? undefined : (input.clientSecret ?? randomToken(32))
  const client: ClientRecord = {
    client_id: input.clientId ?? randomToken(16),
    client_secret_hash: clientSecret === undefined ? null : sha256(clientSecret),
    client_name: input.name.trim(),
    redirect_uris: redirectUris,
    post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
    grant_types: grantTypes,
    scopes: [...new Set(input.scopes ?? ['openid', 'profile', 'email'])],
    token_endpoint_auth_method: authMethod,
    id_token_signed_response_alg: alg,
    skip_consent: input.skipConsent ?? false,
    created_at: now,
  }
  await store.clients.create(client)
  const { audit, actor } = auditOf(store, options)
  await audit.record({
    type: 'client.created', client_id: client.client_id, client_name: client.client_name, grant_types: client.grant_types,
    scopes: client.scopes, redirect_uris: client.redirect_uris, actor,
  })
  return { client, clientSecret }
}

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

/** Creates a user with an Argon2id password hash and a random, never-reused subject identifier. */
export async function createUser(store: Store, input: NewUserInput, now: number, options: AdminOptions = {}): Promise<UserRecord> {
  if (!/^[\x21-\x7E]{1,128}$/.test(input.username)) throw new ValidationError('username must be 1-128 visible ASCII characters')
  // ASVS 6.2.1: at least 8 characters; 6.2.9: allow at least 64.
  if (input.password.length < 8 || input.password.length > 256) throw new ValidationError('password must be 8 to 256 characters')
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
  }
  await store.users.create(user)
  const { audit, actor } = auditOf(store, options)
  await audit.record({ type: 'user.created', user_id: user.id, username: user.username, actor })
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
