import { digestsEqual, randomCredential, sha256 } from '../../crypto/random.js'
import { openSealedSecret } from '../../jwt/sealed-secret.js'
import { OAuthError } from '../../errors.js'
import { emptyResponse, jsonResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { validateClientMetadata } from '../../protocol/rfc7591/client-metadata.js'
import type { ClientRecord } from '../../storage/types.js'
import { findClient } from '../find-client.js'
import type { ServerContext } from '../context.js'
import './audit-events.js'
import { checkTokenExchangePolicyUnchanged, tokenExchangePolicyMember } from '../token-exchange/registration.js'
import { requireMfaMember, storeRegisteredRequireMfa, updatedRequireMfa } from '../mfa/registration.js'
import { bearerOf, clientInformation, INVALID_TOKEN, jsonBody, registrationError, registrationRules } from './client-information.js'
import type { ResolvedRegistrationOptions } from './options.js'
import { keptSecret, needsSecret, secretDeadline } from './registration-endpoint.js'
import { clientSettings } from '../client-settings.js'
import { backchannelLogoutInformation, setClientBackchannelLogout } from '../backchannel-logout/records.js'
import { registeredBackchannelLogout } from '../backchannel-logout/registration.js'

/**
 * The client configuration endpoint of RFC 7592 (`registration_client_uri`): read (GET), update (PUT) and
 * delete (DELETE) one dynamically registered client, authorized by its registration access token only —
 * no other token, and no other client's (RFC 7592 §2; catalogue DR-06, DR-09).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2
 */
export async function configurationEndpoint(ctx: ServerContext, request: OAuthRequest, clientId: string, options: ResolvedRegistrationOptions): Promise<OAuthResponse> {
  let token: string | undefined
  try {
    token = bearerOf(request)
    const client = await authorizedClient(ctx, clientId, token)
    const presented = token as string
    switch (request.method) {
      case 'GET':
      case 'HEAD':
        // RFC 7592 §2.1: reading does not rotate the registration access token; the one presented is the current one.
        return jsonResponse(200, { ...clientInformation(ctx, client, { registrationAccessToken: presented }, await backchannelLogoutInformation(ctx.config.store.records, client.client_id, ctx.config.now())), ...(await tokenExchangePolicyMember(ctx.config.store, client.client_id, ctx.config.now())), ...(await requireMfaMember(ctx.config.store, client.client_id, ctx.config.now())) })
      case 'PUT':
        return await updateClient(ctx, request, client, options)
      case 'DELETE':
        // RFC 7592 §2.3: the client's grants and tokens go with it (`ClientStore.delete`).
        if (!(await ctx.config.store.clients.delete(client.client_id))) throw INVALID_TOKEN
        await ctx.audit.record({ type: 'client.registration_deleted', client_id: client.client_id, client_address: request.remoteAddress ?? null })
        return emptyResponse(204)
      default:
        throw new OAuthError('invalid_request', 'Method not allowed', { status: 405 })
    }
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    return registrationError(ctx, error, token !== undefined)
  }
}

/**
 * RFC 7592 §2.1: a missing token, an unknown client and a token that is not this client's all answer
 * 401 alike, so the endpoint tells nobody which client ids exist. Operator-registered clients have no
 * registration access token and cannot be managed here.
 */
async function authorizedClient(ctx: ServerContext, clientId: string, token: string | undefined): Promise<ClientRecord> {
  if (token === undefined) throw new OAuthError('invalid_token', 'A registration access token is required', { status: 401 })
  const client = await findClient(ctx, clientId)
  const expected = client?.registration_access_token_hash ?? null
  // Hashed either way, so an unknown client costs the same as a known one.
  const presented = sha256(token)
  if (!client || client.registered_by !== 'dynamic' || expected === null || !digestsEqual(presented, expected)) throw INVALID_TOKEN
  return client
}

/** Members that describe the registration itself, not the client: RFC 7592 §2.2 forbids sending the first two. */
const FORBIDDEN_IN_UPDATE = ['registration_access_token', 'registration_client_uri'] as const

/**
 * RFC 7592 §2.2: the body replaces the client's metadata (omitted members take their defaults), validated
 * exactly as a registration. `client_id` must be the client's own; a `client_secret`, if sent, its current
 * one. A client becoming confidential gets a secret, and one whose secret has expired a new one, shown in
 * this response only; one becoming public loses it. RFC 7592 §3: the registration access token is rotated —
 * the response carries the new one and the one presented stops working (catalogue DR-09 (b)). Nothing in
 * the body touches what the operator decides (`disabled`): an `enabled` member is not metadata and is ignored.
 */
async function updateClient(ctx: ServerContext, request: OAuthRequest, current: ClientRecord, options: ResolvedRegistrationOptions): Promise<OAuthResponse> {
  const body = jsonBody(request)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new OAuthError('invalid_client_metadata', 'The request body must be a JSON object')
  const fields = body as Record<string, unknown>
  for (const name of FORBIDDEN_IN_UPDATE) {
    if (fields[name] !== undefined) throw new OAuthError('invalid_request', `${name} must not be sent in an update`)
  }
  if (fields.client_id !== current.client_id) throw new OAuthError('invalid_request', 'client_id must be the client\'s own')
  if (fields.client_secret !== undefined) {
    const secret = fields.client_secret
    // A client_secret_jwt client's secret is kept sealed, not hashed: compare digests of the opened one.
    const opened = current.client_secret_sealed === null ? undefined : await openSealedSecret(current.client_secret_sealed, [ctx.config.secret, ...ctx.config.previousSecrets])
    const expected = opened === undefined ? current.client_secret_hash : sha256(opened)
    if (typeof secret !== 'string' || expected === null || !digestsEqual(sha256(secret), expected)) {
      throw new OAuthError('invalid_request', 'client_secret does not match the client\'s secret')
    }
  }
  const metadata = validateClientMetadata(fields, await registrationRules(ctx, options))
  const backchannel = registeredBackchannelLogout(ctx, fields)
  const now = ctx.config.now()
  await checkTokenExchangePolicyUnchanged(ctx.config.store, current.client_id, fields.token_exchange_policy, now)
  const requireMfa = await updatedRequireMfa(ctx.config.store, current.client_id, fields, options.policy === 'token', now)
  const method = metadata.token_endpoint_auth_method
  const confidential = needsSecret(method)
  const secretExpired = current.client_secret_expires_at !== null && current.client_secret_expires_at <= now
  // A hash cannot serve client_secret_jwt nor a sealed secret the other methods: a change of form is a new secret.
  const kept = method === 'client_secret_jwt' ? current.client_secret_sealed : current.client_secret_hash
  const clientSecret = confidential && (kept === null || secretExpired) ? randomCredential(32) : undefined
  const registrationAccessToken = randomCredential(32)
  const client: ClientRecord = {
    ...current,
    ...clientSettings(metadata),
    ...(!confidential
      ? { client_secret_hash: null, client_secret_sealed: null }
      : clientSecret === undefined
        ? { client_secret_hash: method === 'client_secret_jwt' ? null : kept, client_secret_sealed: method === 'client_secret_jwt' ? kept : null }
        : await keptSecret(ctx, method, clientSecret)),
    client_secret_expires_at: !confidential ? null : clientSecret === undefined ? current.client_secret_expires_at : secretDeadline(clientSecret, now, options),
    registration_access_token_hash: sha256(registrationAccessToken),
  }
  // Read again just before the write: an operator who disabled the client meanwhile is not overwritten
  // (the window left is one round trip; the store has no compare-and-set for clients).
  const latest = await findClient(ctx, current.client_id)
  if (!latest || latest.registration_access_token_hash !== current.registration_access_token_hash) throw INVALID_TOKEN
  if (!(await ctx.config.store.clients.update(client))) throw INVALID_TOKEN
  if (backchannel) await setClientBackchannelLogout(ctx.config.store, client.client_id, backchannel)
  if (requireMfa) await storeRegisteredRequireMfa(ctx.config.store, client.client_id, true)
  await ctx.audit.record({
    type: 'client.registration_updated', client_id: client.client_id, client_name: client.client_name, redirect_uris: client.redirect_uris,
    grant_types: client.grant_types, scopes: client.scopes, client_address: request.remoteAddress ?? null,
  })
  const more = await backchannelLogoutInformation(ctx.config.store.records, client.client_id, now)
  return jsonResponse(200, { ...clientInformation(ctx, client, { clientSecret, registrationAccessToken }, more), ...(await tokenExchangePolicyMember(ctx.config.store, client.client_id, now)), ...(await requireMfaMember(ctx.config.store, client.client_id, now)) })
}
