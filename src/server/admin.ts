import { randomUUID } from 'node:crypto'
import { randomToken, sha256 } from '../crypto/random.js'
import { hashPassword } from '../crypto/passwords.js'
import { isSigningAlgorithm } from '../jwt/keys.js'
import { validateRedirectUriForRegistration } from '../protocol/rfc6749/redirect-uri.js'
import type { ClientAuthMethod, ClientRecord, GrantType, Store, UserRecord } from '../storage/types.js'
import { DEFAULT_KEY_ALGORITHMS } from './key-set.js'

/** Thrown for invalid client or user input; the message names the field. */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ValidationError'
  }
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
export async function createClient(store: Store, input: NewClientInput, now: number): Promise<CreatedClient> {
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
export async function createUser(store: Store, input: NewUserInput, now: number): Promise<UserRecord> {
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
  return user
}
