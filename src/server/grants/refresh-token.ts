import { OAuthError } from '../../errors.js'
import { sha256 } from '../../crypto/random.js'
import { readResourceIndicators } from '../../protocol/rfc8707/resource-indicator.js'
import { isSubset, parseScope } from '../../protocol/rfc6749/scope.js'
import type { Grant } from '../context.js'
import { discardAccessToken } from '../tokens/access-token.js'
import { tokenResponse } from '../tokens/token-response.js'
import { keepSuccessor, successorForRepeat, withinReuseGrace } from './refresh-grace.js'
import { issueUserTokens, mayIssueRefreshToken, requireUser } from './issue.js'
import { refreshFamilyJkt } from '../dpop/records.js'
import { grantAssurance } from '../mfa/grant-assurance.js'
import { grantMeetsPolicy } from '../mfa/policy.js'

const INVALID = 'The refresh token is invalid, expired or revoked'

/**
 * `refresh_token` grant (RFC 6749 §6) with rotation on every use. Presenting a token that was already
 * rotated is taken as theft: the whole family is revoked (RFC 9700 §4.14.2) — unless the rotation grace
 * (`lifetimes.refreshTokenReuseGrace`, off by default) is on, the rotation recent, the client the token's
 * own and the successor unused: then the same successor again (./refresh-grace.ts).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export const refreshTokenGrant: Grant = {
  type: 'refresh_token',
  async handle(ctx, client, params, binding) {
    const presented = params.require('refresh_token')
    const requested = parseScope(params.get('scope'))
    const requestedResources = readResourceIndicators(params.all('resource'))
    const now = ctx.config.now()
    const hash = sha256(presented)
    const current = await ctx.config.store.refreshTokens.find(hash, now)
    if (!current) throw new OAuthError('invalid_grant', INVALID)
    const revokeFamily = async (): Promise<never> => {
      await ctx.config.store.grants.revoke(current.grant_id, current.expires_at)
      void ctx.audit.record({
        type: 'refresh_token.reused', client_id: current.client_id, user_id: current.user_id, grant_id: current.grant_id,
        ...(client.client_id === current.client_id ? {} : { presented_by: client.client_id }),
      })
      throw new OAuthError('invalid_grant', INVALID)
    }
    // RFC 6749 §6: the token must have been issued to the authenticated client. A rotated one in another
    // client's hands has leaked, and is reuse like any other (RFC 9700 §4.14.2); the rotation grace is the
    // token's own client's only.
    if (current.client_id !== client.client_id) {
      if (current.consumed_at !== null) return revokeFamily()
      throw new OAuthError('invalid_grant', INVALID)
    }
    // A rotated token is reuse, unless the rotation grace is on and the rotation recent: then the rotation
    // below tells whether its successor can be handed out again.
    if (current.consumed_at !== null && !withinReuseGrace(ctx, current, now)) return revokeFamily()
    // RFC 9449 §5: a family bound to a DPoP key is refreshed only with a proof of that key. Checked before
    // rotation, so a thief without the key cannot burn the holder's token.
    const boundJkt = await refreshFamilyJkt(ctx, current.grant_id, now)
    if (boundJkt !== undefined && boundJkt !== binding?.dpopJkt) {
      throw new OAuthError('invalid_grant', INVALID, { detail: binding?.dpopJkt === undefined ? 'DPoP-bound refresh token without a proof' : 'DPoP key mismatch' })
    }
    // RFC 6749 §6: the new scope must not include any scope not originally granted.
    if (requested.length > 0 && !isSubset(requested, current.scopes)) {
      throw new OAuthError('invalid_scope', 'The requested scope exceeds the original grant')
    }
    const scopes = requested.length > 0 ? requested : current.scopes
    // Rotation replaces the presented token: a narrowed scope that allows no refresh token would leave the
    // client without one (OIDC Core §11: `offline_access`), so it is refused rather than silently ending the grant.
    if (!mayIssueRefreshToken(client, scopes)) {
      throw new OAuthError('invalid_scope', 'The refreshed scope must keep offline_access, or no refresh token could be issued')
    }
    const user = await requireUser(ctx, current.user_id)
    // Refresh never raises assurance: the tokens carry the grant's original `acr`/`amr`, and a grant below
    // what policy now requires of this client or user gets nothing (catalogue MF-08, MF-10).
    const assurance = await grantAssurance(ctx, current.grant_id)
    if (!(await grantMeetsPolicy(ctx, client.client_id, user.id, assurance.acr))) {
      throw new OAuthError('invalid_grant', 'The grant needs a sign-in with a second factor', { detail: `grant acr ${assurance.acr} below policy` })
    }
    const { response, fields, refresh, access, issued } = await issueUserTokens(ctx, {
      client,
      user,
      scopes,
      resources: current.resources,
      requestedResources,
      grantId: current.grant_id,
      authTime: current.auth_time,
      sessionId: current.session_id,
      familyExpiresAt: current.expires_at,
      dpopJkt: binding?.dpopJkt,
      assurance,
    })
    if (!refresh || fields.refreshToken === undefined) {
      await discardAccessToken(ctx, access)
      throw new OAuthError('invalid_grant', INVALID, { detail: 'refresh token without refresh policy' })
    }
    const next = fields.refreshToken
    const rotate = async () => {
      // Sealed only for a rotation that can win: a rotated token's repeat keeps nothing.
      const keep = current.consumed_at === null ? await keepSuccessor(ctx, next, binding?.dpopJkt, now) : undefined
      // Narrowing on refresh keeps the family's original scopes, so a later refresh may widen back.
      return ctx.config.store.refreshTokens.rotate(hash, { ...refresh, scopes: current.scopes }, now, keep)
    }
    const result = await rotate().catch(async (error: unknown) => {
      await discardAccessToken(ctx, access)
      throw error
    })
    if (result.status === 'reused' && result.successor !== undefined && withinReuseGrace(ctx, result.previous, now)) {
      const successor = await successorForRepeat(ctx, result.successor, binding?.dpopJkt)
      // A repeat within the grace: the successor the rotation issued, with the access (and ID) token just
      // made for this request; the refresh token made for it is never stored or sent.
      if (successor !== undefined) {
        void ctx.audit.record({ type: 'refresh_token.reused_within_grace', client_id: client.client_id, user_id: user.id, grant_id: current.grant_id, jti: issued.jti })
        return tokenResponse({ ...fields, refreshToken: successor })
      }
    }
    // Lost the rotation: the opaque access token saved for this request goes unsent (on reuse the grant
    // revocation below would end it too, RFC 9700 §4.14.2).
    if (result.status !== 'rotated') await discardAccessToken(ctx, access)
    if (result.status === 'reused') return revokeFamily()
    if (result.status === 'unknown') throw new OAuthError('invalid_grant', INVALID)
    void ctx.audit.record({
      type: 'token.issued', grant_type: 'refresh_token', client_id: client.client_id, subject: user.id, scopes,
      grant_id: current.grant_id, jti: issued.jti, refresh_token_issued: true, id_token_issued: issued.idToken,
    })
    return response
  },
}
