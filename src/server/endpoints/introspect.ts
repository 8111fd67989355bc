import { OAuthError } from '../../errors.js'
import { formParameters } from '../../http/form.js'
import { jsonResponse, methodNotAllowed } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { formatScope } from '../../protocol/rfc6749/scope.js'
import { readIntrospectionRequest } from '../../protocol/rfc7662/introspection-request.js'
import { activeIntrospectionResponse, INACTIVE_TOKEN, type IntrospectionResponse } from '../../protocol/rfc7662/introspection-response.js'
import { tokenTarget } from '../resources/target.js'
import { authenticateClientWithinLimits } from '../abuse/limited-authentication.js'
import type { ServerContext } from '../context.js'
import { loadResources } from '../resources/directory.js'
import { clientOf, findActiveToken, type FoundToken } from '../token-lookup.js'
import type { ClientRecord } from '../../storage/types.js'
import { tokenError } from './token.js'

/** An RFC 7662 §2.2 answer (`IntrospectionResponse` of `protocol/rfc7662`). */
export type IntrospectionAnswer = IntrospectionResponse

/** RFC 7662 §2.2: the same members for both access-token formats; an opaque token's claims come from its record. */
async function activeAnswer(ctx: ServerContext, found: FoundToken): Promise<IntrospectionAnswer> {
  if (found.type === 'access_token') {
    const { claims, scopes } = found.verified
    return activeIntrospectionResponse({
      // RFC 9449 §6.2: a bound token is of type DPoP, and its `cnf` names the key.
      token_type: claims.cnf?.jkt !== undefined ? 'DPoP' : 'Bearer',
      ...(claims.cnf?.jkt !== undefined ? { cnf: { jkt: claims.cnf.jkt } } : {}),
      scope: formatScope(scopes),
      client_id: claims.client_id,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      // RFC 9470 §6: how and when the user authenticated, for a resource server's step-up decision.
      ...(typeof claims.auth_time === 'number' ? { auth_time: claims.auth_time } : {}),
      ...(typeof claims.acr === 'string' ? { acr: claims.acr } : {}),
      // RFC 8693 §4.1: the actor chain of an exchanged token.
      ...(claims.act !== undefined ? { act: claims.act } : {}),
    })
  }
  const { record } = found
  return activeIntrospectionResponse({
    token_type: 'refresh_token',
    scope: formatScope(record.scopes),
    client_id: record.client_id,
    sub: record.user_id,
    // A refresh token is good for every resource of its grant: the audiences its access tokens may get.
    aud: record.resources.length > 0 ? record.resources : tokenTarget(await loadResources(ctx), ctx.config.issuer, record, []).audience,
    iss: ctx.config.issuer,
    exp: record.expires_at,
    iat: record.created_at,
  })
}

/**
 * What introspection says about a token, without the endpoint's client policy: for an API that runs in
 * the authorization server's own process (the standalone server's demo API), which is no client and so
 * cannot authenticate as the token's one. Never exposed over HTTP.
 */
export async function introspectLocally(ctx: ServerContext, token: string): Promise<IntrospectionAnswer> {
  const found = await findActiveToken(ctx, token)
  return found ? await activeAnswer(ctx, found) : INACTIVE_TOKEN
}

/**
 * RFC 7662 §4: who may learn about a token. The client it was issued to; a resource server (a stored
 * resource's introspection client) for the access tokens whose `aud` names it; nobody else.
 */
async function mayIntrospect(ctx: ServerContext, caller: ClientRecord, found: FoundToken): Promise<boolean> {
  if (clientOf(found) === caller.client_id) return true
  // Refresh tokens are only ever presented to this server: no resource server has a reason to ask.
  if (found.type !== 'access_token') return false
  const resource = (await loadResources(ctx)).ofIntrospectionClient(caller.client_id)
  const { aud } = found.verified.claims
  return resource !== undefined && (typeof aud === 'string' ? [aud] : aud).includes(resource.identifier)
}

/**
 * Token introspection (RFC 7662). Only confidential clients may ask (§2.1, §4: no token scanning by
 * anonymous callers). A client learns about its own tokens, a resource server about the access tokens
 * issued for it (its identifier in `aud`); for anything else the answer is `{"active": false}`,
 * indistinguishable from an unknown token.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export async function introspectionEndpoint(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  if (request.method !== 'POST') return methodNotAllowed(['POST'])
  try {
    const params = formParameters(request)
    const client = await authenticateClientWithinLimits(ctx, request, params, 'introspection')
    const { token } = readIntrospectionRequest(params)
    // RFC 7662 §4: a client scanning for live tokens is slowed once it has asked about many dead ones (RL-03).
    await ctx.clientLimits.admitIntrospection(client.client_id, ctx.config.now())
    const found = await findActiveToken(ctx, token, client)
    if (!found || !(await mayIntrospect(ctx, client, found))) {
      await ctx.clientLimits.introspectedInactive(client.client_id, ctx.config.now())
      return jsonResponse(200, INACTIVE_TOKEN)
    }
    return jsonResponse(200, await activeAnswer(ctx, found))
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    return tokenError(ctx, error)
  }
}
