import { randomCredential, sha256 } from '../../crypto/random.js'
import { isResourceIndicator } from '../../protocol/rfc8707/resource-indicator.js'
import { OIDC_SCOPES } from '../../protocol/oidc/claims.js'
import type { ClientRecord, Store } from '../../storage/types.js'
import { StorageConflictError } from '../../storage/types.js'
import { ValidationError } from '../admin.js'
import { DIRECTORY_SUBJECT, listStoredResources, NEVER, STORED_RESOURCE, type StoredResource } from './stored-resources.js'

// Kept apart from stored-resources.ts: the admin functions' validation comes with the admin module, which
// the endpoints (through the directory) must not import.

/** RFC 6749 §3.3 scope-token syntax. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/** A resource just created, with its introspection client's secret shown this once. */
export interface CreatedResource {
  resource: StoredResource
  /** Shown once; the client record keeps only its SHA-256. */
  clientSecret: string
}

/**
 * Registers an API: its record and its introspection client. Scopes are unique across stored resources
 * (a scope names one API on the consent page) and never an OpenID Connect scope.
 *
 * @example const { resource, clientSecret } = await createStoredResource(store, { identifier: 'https://api.example.com/', scopes: { 'notes.read': 'Read your notes' }, now })
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export async function createStoredResource(
  store: Store,
  input: { identifier: string; scopes: Record<string, string>; now: number },
): Promise<CreatedResource> {
  if (!isResourceIndicator(input.identifier)) throw new ValidationError('identifier must be an absolute URI without a fragment (RFC 8707 §2)')
  const scopes = Object.keys(input.scopes)
  if (scopes.length === 0) throw new ValidationError('a resource needs at least one scope')
  for (const scope of scopes) {
    if (!SCOPE_TOKEN.test(scope) || (OIDC_SCOPES as readonly string[]).includes(scope)) throw new ValidationError(`invalid or reserved scope ${JSON.stringify(scope)}`)
  }
  const existing = await listStoredResources(store)
  if (existing.some((resource) => resource.identifier === input.identifier)) throw new StorageConflictError(`resource ${input.identifier} already exists`)
  for (const other of existing) {
    const shared = scopes.find((scope) => scope in other.scopes)
    if (shared !== undefined) throw new ValidationError(`scope ${shared} already belongs to ${other.identifier}`)
  }
  const clientSecret = randomCredential(32)
  const client: ClientRecord = {
    client_id: `rs_${randomCredential(16)}`,
    client_secret_hash: sha256(clientSecret),
    client_secret_expires_at: null,
    disabled: false,
    jwks: null, jwks_uri: null, token_endpoint_auth_signing_alg: null, client_secret_sealed: null, require_pushed_authorization_requests: false, dpop_bound_access_tokens: false, request_object_signing_alg: null, require_signed_request_object: false,
    client_name: `Resource server ${input.identifier}`,
    redirect_uris: [],
    post_logout_redirect_uris: [],
    grant_types: [],
    scopes: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    skip_consent: false,
    created_at: input.now,
    application_type: 'web', client_uri: null, logo_uri: null, policy_uri: null, tos_uri: null, contacts: [],
    registered_by: 'operator', registration_access_token_hash: null, expires_at: null,
  }
  const resource: StoredResource = { identifier: input.identifier, scopes: { ...input.scopes }, client_id: client.client_id, created_at: input.now }
  await store.clients.create(client)
  try {
    await store.records.put(STORED_RESOURCE, { key: input.identifier, value: resource, expiresAt: NEVER, subject: DIRECTORY_SUBJECT, clientId: client.client_id })
  } catch (error) {
    // No half-registered resource: credentials without a resource would authenticate for nothing.
    await store.clients.delete(client.client_id)
    throw error
  }
  return { resource, clientSecret }
}

/** Deletes a stored resource and its introspection client; false when there is none by that identifier. */
export async function deleteStoredResource(store: Store, identifier: string): Promise<boolean> {
  const found = (await listStoredResources(store)).find((resource) => resource.identifier === identifier)
  if (!found) return false
  await store.records.delete(STORED_RESOURCE, identifier)
  await store.clients.delete(found.client_id)
  return true
}
