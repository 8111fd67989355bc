import { OAuthError } from '../../errors.js'
import { formParameters } from '../../http/form.js'
import { jsonResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { authenticateClientWithinLimits } from '../abuse/limited-authentication.js'
import { checkAuthorizationRequest, requestedParameters } from '../authorization-request.js'
import type { ServerContext } from '../context.js'
import { tokenError } from '../endpoints/token.js'
import { dpopKeyForAuthorization } from '../dpop/authorization.js'
import { dpopKeyOfRequest } from '../dpop/token-request.js'
import type { ResolvedPushedAuthorizationRequestOptions } from './options.js'
import { storePushedRequest } from './pushed-requests.js'

/**
 * The pushed authorization request endpoint (RFC 9126 §2): the client authenticates as at the token
 * endpoint, the request gets every check of `/authorize`, and the answer is a single-use `request_uri`.
 * Failures are JSON errors (§2.3), never redirects: the client itself is the caller.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 */
export async function pushedAuthorizationEndpoint(ctx: ServerContext, request: OAuthRequest, options: ResolvedPushedAuthorizationRequestOptions): Promise<OAuthResponse> {
  try {
    const params = formParameters(request)
    const client = await authenticateClientWithinLimits(ctx, request, params, 'par')
    // RFC 9126 §2.1: a pushed request MUST NOT itself refer to another one.
    if (params.has('request_uri')) throw new OAuthError('invalid_request', 'request_uri is not allowed in a pushed authorization request')
    // §2.1: client_id is required here as at /authorize; the credential reader refused a different one.
    if (params.get('client_id') === undefined) throw new OAuthError('invalid_request', 'Missing client_id')
    // RFC 9126 §3: a request object may be pushed; its claims are then the request.
    const result = await checkAuthorizationRequest(ctx, await requestedParameters(ctx, params, client), client)
    // §2.3: whatever /authorize would show or redirect is a JSON error here (an unregistered redirect_uri
    // included: §2.4's relaxation for confidential clients is not offered).
    if (result.kind !== 'valid') throw result.error
    // RFC 9449 §10.1: a proof sent with the push binds the code like dpop_jkt (and must agree with it).
    const proofKey = await dpopKeyOfRequest(ctx, request, ctx.urls.pushedAuthorizationRequest ?? '')
    const dpopJkt = dpopKeyForAuthorization(result.request.dpop_jkt, proofKey)
    const pushedRequest = dpopJkt === undefined ? result.request : { ...result.request, dpop_jkt: dpopJkt }
    const requestUri = await storePushedRequest(ctx, { request: pushedRequest }, options.lifetimeSeconds)
    // §2.2: 201 Created; jsonResponse adds Cache-Control: no-store.
    return jsonResponse(201, { request_uri: requestUri, expires_in: options.lifetimeSeconds })
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    if (error.detail) ctx.config.logger?.info({ event: 'par.error', error: error.error, detail: error.detail }, 'pushed authorization request refused')
    return tokenError(ctx, error)
  }
}
