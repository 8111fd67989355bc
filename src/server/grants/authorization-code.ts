import { OAuthError } from '../../errors.js'
import { sha256 } from '../../crypto/random.js'
import { readResourceIndicators } from '../../protocol/rfc8707/resource-indicator.js'
import { verifyS256 } from '../../protocol/rfc7636/pkce.js'
import { AUTHORIZATION_CODE, codeOfRecord } from '../../storage/kinds/codes.js'
import { inOneStep, type AuthorizationCodeRecord, type ClientRecord, type ConsumeCodeResult } from '../../storage/types.js'
import type { Parameters } from '../../http/form.js'
import type { Grant, ServerContext, TokenBinding } from '../context.js'
import { discardAccessToken } from '../tokens/access-token.js'
import { issueUserTokens, requireUser, type IssuedUserTokens } from './issue.js'
import { recordGrantAssurance } from '../mfa/grant-assurance.js'

const INVALID = 'The authorization code is invalid, expired or already used'

/**
 * `authorization_code` grant (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.6). The code is read and checked,
 * the tokens made, and then the code is consumed and the refresh token saved in one step of the store
 * (`inOneStep`: one transaction on SQL), so a failed save leaves the code usable and one commit does
 * both (issue 20). Consuming still picks the one winner: a second use, before or after, revokes every
 * token the first one produced (RFC 6749 §4.1.2, RFC 9700 §4.2.4), and a request that fails a check
 * burns the code as if it had been consumed first.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 */
export const authorizationCodeGrant: Grant = {
  type: 'authorization_code',
  usesRedirectUri: true,
  async handle(ctx, client, params, binding) {
    const codeHash = sha256(params.require('code'))
    const now = ctx.config.now()
    const { store } = ctx.config
    const live = await store.records.get(AUTHORIZATION_CODE, codeHash, now)
    // Consumed, expired or never issued: consuming tells a replay (which revokes the grant) from a stranger.
    if (!live) return refuse(ctx, client, await store.codes.consume(codeHash, now), now)
    const record = codeOfRecord(live)

    let tokens: IssuedUserTokens
    try {
      tokens = await checkAndIssue(ctx, client, params, binding, record, now)
    } catch (error) {
      await burn(ctx, client, codeHash, now)
      throw error
    }

    const { response, refresh, access, issued } = tokens
    const result = await inOneStep(store, async (step) => {
      const consumed = await step.codes.consume(codeHash, now)
      if (consumed.status === 'consumed' && refresh) await step.refreshTokens.save(refresh)
      return consumed
    }).catch(async (error: unknown) => {
      await discardAccessToken(ctx, access)
      throw error
    })
    if (result.status !== 'consumed') {
      // Lost to a concurrent exchange, or to a request that burned the code: the opaque access token
      // saved for this request goes unsent.
      await discardAccessToken(ctx, access)
      return refuse(ctx, client, result, now)
    }
    void ctx.audit.record({
      type: 'token.issued', grant_type: 'authorization_code', client_id: client.client_id, subject: record.user_id, scopes: record.scopes,
      grant_id: record.grant_id, jti: issued.jti, refresh_token_issued: refresh !== undefined, id_token_issued: issued.idToken,
    })
    return response
  },
}

/** Every check of the code against the request, then the tokens (the refresh token unsaved). */
async function checkAndIssue(
  ctx: ServerContext, client: ClientRecord, params: Parameters, binding: TokenBinding | undefined, record: AuthorizationCodeRecord, now: number,
): Promise<IssuedUserTokens> {
  const redirectUri = params.get('redirect_uri')
  const verifier = params.get('code_verifier')
  // A grant revoked while the code was unused (the user disconnected the app) takes the code with it.
  if (await ctx.config.store.grants.isRevoked(record.grant_id, now)) throw new OAuthError('invalid_grant', INVALID)
  // RFC 6749 §4.1.3: the code must have been issued to this client, for this exact redirect_uri.
  if (record.client_id !== client.client_id) throw new OAuthError('invalid_grant', INVALID, { detail: 'code issued to another client' })
  if (redirectUri !== record.redirect_uri) throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request')
  if (verifier === undefined) throw new OAuthError('invalid_grant', 'code_verifier is required')
  if (!verifyS256(verifier, record.code_challenge)) throw new OAuthError('invalid_grant', 'PKCE verification failed')
  // RFC 9449 §10: a code bound by `dpop_jkt` (or a PAR proof) is redeemed only with a proof of that key.
  // A wrong key burns the code: the legitimate holder of the key starts again.
  if (record.dpop_jkt != null && record.dpop_jkt !== binding?.dpopJkt) {
    throw new OAuthError('invalid_grant', 'The authorization code is bound to another DPoP key', { detail: binding?.dpopJkt === undefined ? 'no DPoP proof' : 'dpop_jkt mismatch' })
  }

  const user = await requireUser(ctx, record.user_id)
  const assurance = await recordGrantAssurance(ctx, record)
  return issueUserTokens(ctx, {
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
}

/**
 * A request that failed after reading the code still uses it up, as when codes were consumed before any
 * check: a code is good for one attempt. A concurrent exchange that won meanwhile makes this a replay.
 */
async function burn(ctx: ServerContext, client: ClientRecord, codeHash: string, now: number): Promise<void> {
  // The request's own error is what the client hears; a store that failed it fails this too.
  const result = await ctx.config.store.codes.consume(codeHash, now).catch(() => undefined)
  if (result?.status === 'replayed') await refuse(ctx, client, result, now)
}

/** RFC 6749 §4.1.2: a code used more than once revokes the tokens issued from it. */
async function refuse(ctx: ServerContext, client: ClientRecord, result: ConsumeCodeResult, now: number): Promise<never> {
  if (result.status === 'replayed') {
    await ctx.config.store.grants.revoke(result.code.grant_id, now + ctx.config.lifetimes.refreshToken)
    void ctx.audit.record({ type: 'authorization_code.replayed', client_id: client.client_id, user_id: result.code.user_id, grant_id: result.code.grant_id })
  }
  throw new OAuthError('invalid_grant', INVALID)
}
