import { OAuthError } from '../../errors.js'
import { sha256 } from '../../crypto/random.js'
import { readResourceIndicators } from '../../protocol/rfc8707/resource-indicator.js'
import { verifyS256 } from '../../protocol/rfc7636/pkce.js'
import type { Grant } from '../context.js'
import { issueAndSaveUserTokens, requireUser } from './issue.js'
import { recordGrantAssurance } from '../mfa/grant-assurance.js'

const INVALID = 'The authorization code is invalid, expired or already used'

/**
 * `authorization_code` grant (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.6). The code is consumed
 * atomically before anything else; a second use revokes every token the first one produced
 * (RFC 6749 §4.1.2, RFC 9700 §4.2.4).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 */
export const authorizationCodeGrant: Grant = {
  type: 'authorization_code',
  usesRedirectUri: true,
  async handle(ctx, client, params, binding) {
    const code = params.require('code')
    const redirectUri = params.get('redirect_uri')
    const verifier = params.get('code_verifier')
    const now = ctx.config.now()
    const result = await ctx.config.store.codes.consume(sha256(code), now)
    if (result.status === 'unknown') throw new OAuthError('invalid_grant', INVALID)
    if (result.status === 'replayed') {
      await ctx.config.store.grants.revoke(result.code.grant_id, now + ctx.config.lifetimes.refreshToken)
      void ctx.audit.record({ type: 'authorization_code.replayed', client_id: client.client_id, user_id: result.code.user_id, grant_id: result.code.grant_id })
      throw new OAuthError('invalid_grant', INVALID)
    }
    const record = result.code
    // A grant revoked while the code was unused (the user disconnected the app) takes the code with it.
    if (await ctx.config.store.grants.isRevoked(record.grant_id, now)) throw new OAuthError('invalid_grant', INVALID)
    // RFC 6749 §4.1.3: the code must have been issued to this client, for this exact redirect_uri.
    if (record.client_id !== client.client_id) throw new OAuthError('invalid_grant', INVALID, { detail: 'code issued to another client' })
    if (redirectUri !== record.redirect_uri) throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request')
    if (verifier === undefined) throw new OAuthError('invalid_grant', 'code_verifier is required')
    if (!verifyS256(verifier, record.code_challenge)) throw new OAuthError('invalid_grant', 'PKCE verification failed')
    // RFC 9449 §10: a code bound by `dpop_jkt` (or a PAR proof) is redeemed only with a proof of that key.
    // The code is consumed above, so a wrong key burns it: the legitimate holder of the key starts again.
    if (record.dpop_jkt != null && record.dpop_jkt !== binding?.dpopJkt) {
      throw new OAuthError('invalid_grant', 'The authorization code is bound to another DPoP key', { detail: binding?.dpopJkt === undefined ? 'no DPoP proof' : 'dpop_jkt mismatch' })
    }

    const user = await requireUser(ctx, record.user_id)
    const assurance = await recordGrantAssurance(ctx, record)
    const { response, refresh, issued } = await issueAndSaveUserTokens(ctx, {
      client,
      user,
      scopes: record.scopes,
      resources: record.resources,
      requestedResources: readResourceIndicators(params.all('resource')),
      grantId: record.grant_id,
      authTime: record.auth_time,
      sessionId: record.session_id,
      nonce: record.nonce,
      dpopJkt: binding?.dpopJkt,
      assurance,
    })
    void ctx.audit.record({
      type: 'token.issued', grant_type: 'authorization_code', client_id: client.client_id, subject: user.id, scopes: record.scopes,
      grant_id: record.grant_id, jti: issued.jti, refresh_token_issued: refresh !== undefined, id_token_issued: issued.idToken,
    })
    return response
  },
}
