import { OAuthError } from '../errors.js'
import type { Parameters } from '../http/form.js'
import { validateAuthorizationRequest, type AuthorizationRequestResult } from '../protocol/rfc6749/authorization-request.js'
import type { ClientRecord } from '../storage/types.js'
import type { ServerContext } from './context.js'
import { loadResources } from './resources/directory.js'

/**
 * The parameter checks of an authorization request, wherever it arrives: at `/authorize` (the query or
 * form) and at the pushed authorization request endpoint (RFC 9126 §2.1: "the same rules as the
 * authorization endpoint"). What differs is only how a failure is answered: a page or a redirect there,
 * JSON here.
 *
 * @example const result = await checkAuthorizationRequest(ctx, params, client)
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.1
 */
export async function checkAuthorizationRequest(ctx: ServerContext, params: Parameters, client: ClientRecord | undefined): Promise<AuthorizationRequestResult> {
  const { scopesSupported } = await loadResources(ctx)
  // A built-in client of a capability may ask for scopes kept out of discovery (the admin console's admin scopes).
  const clientId = client?.client_id
  const source = clientId === undefined ? undefined : ctx.registry.clientSources.find((candidate) => candidate.handles(clientId))
  const extra = source?.scopesOutsideDiscovery ?? []
  return validateAuthorizationRequest(params, client, { scopesSupported: extra.length > 0 ? [...scopesSupported, ...extra] : scopesSupported })
}

/**
 * Whether the client may only authorize through a pushed request: its own registration (RFC 9126 §6) or
 * a server-wide setting (§5), which a registered PAR capability carries.
 */
export function pushedRequestRequired(ctx: ServerContext, client: ClientRecord): boolean {
  return client.require_pushed_authorization_requests === true || ctx.registry.requestReferences.some((source) => source.requiredForAll)
}

/**
 * The parameters an authorization request is judged by: with a request object (RFC 9101 `request=`) and
 * the capability registered, the object's verified claims alone (§6.3: parameters outside it are
 * ignored); otherwise the parameters as sent — refused for a client that must sign its requests (§10.5).
 * Throws `OAuthError`; the caller shows it (no redirect URI is established before the object verifies).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-6.3
 */
export async function requestedParameters(ctx: ServerContext, params: Parameters, client: ClientRecord | undefined): Promise<Parameters> {
  const objects = ctx.registry.requestObjects
  if (!client || !objects) return params
  if (params.has('request')) return objects.unpack(ctx, client, params)
  if (objects.required(client)) throw new OAuthError('invalid_request', 'This client must send its authorization requests as signed request objects')
  return params
}
