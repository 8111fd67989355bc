import { randomCredential, sha256 } from '../../crypto/random.js'
import { sealSecret } from '../../jwt/sealed-secret.js'
import { OAuthError } from '../../errors.js'
import { jsonResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import type { ClientMetadata } from '../../protocol/rfc7591/client-metadata.js'
import type { ClientRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { clientSettings } from '../client-settings.js'
import './audit-events.js'
import { backchannelLogoutInformation, setClientBackchannelLogout } from '../backchannel-logout/records.js'
import { registeredBackchannelLogout } from '../backchannel-logout/registration.js'
import { bearerOf, clientInformation, INVALID_TOKEN, jsonBody, metadataOf, registrationError } from './client-information.js'
import { consumeInitialAccessToken, isInitialAccessToken } from './initial-access-tokens.js'
import type { ResolvedRegistrationOptions } from './options.js'
import { purgeUnusedClients } from './unused-clients.js'
import { registeredTokenExchangePolicy, storeRegisteredTokenExchangePolicy } from '../token-exchange/registration.js'
import { registeredRequireMfa, storeRegisteredRequireMfa } from '../mfa/registration.js'

/**
 * `POST /register` (RFC 7591 §3): validates the metadata, creates the client with identifiers and
 * credentials of the server's choosing (values the request supplies for them are ignored), and answers 201
 * with the client information, the registration access token and the configuration endpoint (RFC 7592 §3).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export async function registrationEndpoint(ctx: ServerContext, request: OAuthRequest, options: ResolvedRegistrationOptions): Promise<OAuthResponse> {
  let token: string | undefined
  try {
    const now = ctx.config.now()
    // Catalogue RL-04: registrations cost the server storage; each address gets a budget.
    await ctx.clientLimits.countAddressRequest('register', request.remoteAddress, options.requestsPerAddress, options.requestWindowSeconds, now)
    token = bearerOf(request)
    if (options.policy === 'token') {
      // RFC 7591 §3: an initial access token, checked before the metadata and used up only by a registration that succeeds.
      if (token === undefined) throw new OAuthError('invalid_token', 'An initial access token is required', { status: 401 })
      if (!(await isInitialAccessToken(ctx.config.store, token, now))) throw INVALID_TOKEN
    }
    const metadata = await metadataOf(ctx, request, options)
    const exchangePolicy = registeredTokenExchangePolicy(request, options.policy === 'token')
    const requireMfa = registeredRequireMfa(jsonBody(request), options.policy === 'token')
    const backchannel = registeredBackchannelLogout(ctx, jsonBody(request))
    if (options.policy === 'token' && token !== undefined && !(await consumeInitialAccessToken(ctx.config.store, token, now))) throw INVALID_TOKEN
    await purgeUnusedClients(ctx, now)
    const { client, clientSecret, registrationAccessToken } = await newClient(ctx, metadata, now, options)
    // The policy first: a client is never found without the permissions it registered.
    if (exchangePolicy) await storeRegisteredTokenExchangePolicy(ctx.config.store, client.client_id, exchangePolicy)
    if (requireMfa) await storeRegisteredRequireMfa(ctx.config.store, client.client_id, true)
    await ctx.config.store.clients.create(client).catch(async (error: unknown) => {
      if (exchangePolicy) await storeRegisteredTokenExchangePolicy(ctx.config.store, client.client_id, undefined)
      if (requireMfa) await storeRegisteredRequireMfa(ctx.config.store, client.client_id, false)
      throw error
    })
    if (backchannel) await setClientBackchannelLogout(ctx.config.store, client.client_id, backchannel)
    await ctx.audit.record({
      type: 'client.registered', client_id: client.client_id, client_name: client.client_name, redirect_uris: client.redirect_uris,
      grant_types: client.grant_types, scopes: client.scopes, application_type: client.application_type,
      initial_access_token: options.policy === 'token', client_address: request.remoteAddress ?? null,
    })
    const more = await backchannelLogoutInformation(ctx.config.store.records, client.client_id, now)
    return jsonResponse(201, { ...clientInformation(ctx, client, { clientSecret, registrationAccessToken }, more), ...(exchangePolicy ? { token_exchange_policy: exchangePolicy } : {}), ...(requireMfa !== undefined ? { require_mfa: requireMfa } : {}) })
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    return registrationError(ctx, error, token !== undefined)
  }
}

/**
 * The stored client. Its id is 128 random bits in base64url — never an `https://` URL (the form of
 * client ids that are metadata documents) and never a user's `sub` (RFC 7591 §3.2.1, catalogue DR-01).
 */
async function newClient(
  ctx: ServerContext, metadata: ClientMetadata, now: number, options: ResolvedRegistrationOptions,
): Promise<{ client: ClientRecord; clientSecret: string | undefined; registrationAccessToken: string }> {
  const clientSecret = needsSecret(metadata.token_endpoint_auth_method) ? randomCredential(32) : undefined
  const registrationAccessToken = randomCredential(32)
  const client: ClientRecord = {
    client_id: randomCredential(16),
    ...(await keptSecret(ctx, metadata.token_endpoint_auth_method, clientSecret)),
    ...clientSettings(metadata),
    created_at: now,
    registration_access_token_hash: sha256(registrationAccessToken),
    expires_at: now + options.unusedClientSeconds,
    client_secret_expires_at: secretDeadline(clientSecret, now, options),
    disabled: false,
  }
  return { client, clientSecret, registrationAccessToken }
}

/** Public clients have no secret, and `private_key_jwt` clients keys instead (RFC 7523 §2.2). */
export function needsSecret(authMethod: string): boolean {
  return authMethod !== 'none' && authMethod !== 'private_key_jwt'
}

/**
 * How a new secret is kept: its SHA-256, or for `client_secret_jwt` sealed with the server secret (the
 * server needs it back as the HMAC key of the client's assertions, RFC 7523 §2.2).
 */
export async function keptSecret(
  ctx: ServerContext, authMethod: string, clientSecret: string | undefined,
): Promise<Pick<ClientRecord, 'client_secret_hash' | 'client_secret_sealed'>> {
  if (clientSecret === undefined) return { client_secret_hash: null, client_secret_sealed: null }
  if (authMethod === 'client_secret_jwt') return { client_secret_hash: null, client_secret_sealed: await sealSecret(clientSecret, ctx.config.secret) }
  return { client_secret_hash: sha256(clientSecret), client_secret_sealed: null }
}

/** RFC 7591 §3.2.1: when a secret issued now stops working; null (the response says 0) when secrets do not expire. */
export function secretDeadline(clientSecret: string | undefined, now: number, options: ResolvedRegistrationOptions): number | null {
  return clientSecret === undefined || options.clientSecretSeconds === undefined ? null : now + options.clientSecretSeconds
}

