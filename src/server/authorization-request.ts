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
  return validateAuthorizationRequest(params, client, { scopesSupported: (await loadResources(ctx)).scopesSupported })
}

/**
 * Whether the client may only authorize through a pushed request: its own registration (RFC 9126 §6) or
 * a server-wide setting (§5), which a registered PAR capability carries.
 */
export function pushedRequestRequired(ctx: ServerContext, client: ClientRecord): boolean {
  return client.require_pushed_authorization_requests === true || ctx.registry.requestReferences.some((source) => source.requiredForAll)
}
