import { OAuthError } from '../../errors.js'
import { isSubset, parseScope } from '../../protocol/rfc6749/scope.js'
import { OIDC_SCOPES } from '../../protocol/oidc/claims.js'
import { readResourceIndicators } from '../../protocol/rfc8707/resource-indicator.js'
import { loadResources } from '../resources/directory.js'
import { tokenTarget } from '../resources/target.js'
import { issueAccessToken } from '../tokens/access-token.js'
import { tokenResponse } from '../tokens/token-response.js'
import type { Grant } from '../context.js'

/**
 * `client_credentials` grant (RFC 6749 §4.4): only confidential clients, only API scopes they are
 * allowed, and no refresh token (§4.4.3) or ID token — there is no user.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export const clientCredentialsGrant: Grant = {
  type: 'client_credentials',
  confidentialOnly: true,
  async handle(ctx, client, params, binding) {
    if (client.token_endpoint_auth_method === 'none') {
      throw new OAuthError('unauthorized_client', 'Public clients cannot use client credentials')
    }
    const apiScopes = client.scopes.filter((scope) => !(OIDC_SCOPES as readonly string[]).includes(scope))
    const requested = parseScope(params.get('scope'))
    if (!isSubset(requested, apiScopes)) throw new OAuthError('invalid_scope', 'The requested scope is not allowed for this client')
    const scopes = requested.length > 0 ? requested : apiScopes
    // RFC 8707 §2.2: the resources this client may address are those one of its scopes belongs to.
    const target = tokenTarget(await loadResources(ctx), ctx.config.issuer, { scopes, resources: [] }, readResourceIndicators(params.all('resource')))
    const access = await issueAccessToken(ctx, {
      subject: client.client_id,
      clientId: client.client_id,
      scopes: target.scopes,
      audience: target.audience,
      dpopJkt: binding?.dpopJkt,
    })
    void ctx.audit.record({
      type: 'token.issued', grant_type: 'client_credentials', client_id: client.client_id, subject: client.client_id, scopes: target.scopes,
      grant_id: null, jti: String(access.claims.jti), refresh_token_issued: false, id_token_issued: false,
    })
    return tokenResponse({ accessToken: access.token, expiresIn: access.expiresIn, scopes: target.scopes, dpopJkt: binding?.dpopJkt })
  },
}
