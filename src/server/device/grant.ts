import { OAuthError } from '../../errors.js'
import { sha256 } from '../../crypto/random.js'
import { readResourceIndicators } from '../../protocol/rfc8707/resource-indicator.js'
import { DEVICE_CODE_GRANT_TYPE } from '../../protocol/rfc8628/device-authorization.js'
import { judgePoll } from '../../protocol/rfc8628/polling.js'
import { DEVICE_CODE, type DeviceCodeRecord } from '../../storage/kinds/device-codes.js'
import type { ClientRecord } from '../../storage/types.js'
import type { Parameters } from '../../http/form.js'
import type { OAuthResponse } from '../../http/types.js'
import type { Grant, ServerContext, TokenBinding } from '../context.js'
import { issueAndSaveUserTokens, requireUser } from '../grants/issue.js'
import { recordGrantAssurance } from '../mfa/grant-assurance.js'
import { grantMeetsPolicy } from '../mfa/policy.js'

const INVALID = 'The device code is invalid or already used'

// Concurrent polls of one device code race on its revision; each retry reads the winner's state.
const MAX_ATTEMPTS = 5

/**
 * The device code grant (RFC 8628 §3.4, §3.5): `authorization_pending` until the user decides,
 * `slow_down` (and 5 s more interval for this device code) for a poll sooner than the interval,
 * `access_denied`, `expired_token`; once approved, the code is consumed atomically, so of two concurrent
 * polls exactly one gets the tokens. The tokens are those of the code grant (`issueUserTokens`): refresh
 * token, ID token for `openid`, RFC 8707 audience, DPoP binding, and the MFA policy as at refresh.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 */
export const deviceCodeGrant: Grant = {
  type: DEVICE_CODE_GRANT_TYPE,
  async handle(ctx, client, params, binding) {
    const hash = sha256(params.require('device_code'))
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const now = ctx.config.now()
      const stored = await ctx.config.store.records.get(DEVICE_CODE, hash, now)
      // RFC 8628 §3.4 → RFC 6749 §5.2: a code of another client is as unknown as a guessed one.
      if (!stored || stored.value.client_id !== client.client_id) throw new OAuthError('invalid_grant', INVALID, { detail: stored ? 'device code of another client' : undefined })
      const flow = stored.value
      if (flow.expires_at <= now) throw new OAuthError('expired_token', 'The device code has expired; start again')
      if (flow.status === 'denied') throw new OAuthError('access_denied', 'The user denied the request')
      if (flow.status === 'approved') return redeem(ctx, client, params, binding, hash)
      const { tooSoon, next } = judgePoll({ lastPolledAt: flow.last_polled_at, interval: flow.interval }, now)
      const polled: DeviceCodeRecord = { ...flow, last_polled_at: next.lastPolledAt, interval: next.interval }
      if (await ctx.config.store.records.update(DEVICE_CODE, hash, stored.revision, polled, now)) {
        if (tooSoon) throw new OAuthError('slow_down', `Poll at most every ${next.interval} seconds`)
        throw new OAuthError('authorization_pending', 'The user has not yet approved the request')
      }
    }
    // Polls kept colliding with each other: a client polling that fast is too fast.
    throw new OAuthError('slow_down', 'Poll less often')
  },
}

/** The approved flow, used up atomically: of concurrent polls exactly one gets here with `consumed`. */
async function redeem(ctx: ServerContext, client: ClientRecord, params: Parameters, binding: TokenBinding | undefined, hash: string): Promise<OAuthResponse> {
  const used = await ctx.config.store.records.consume(DEVICE_CODE, hash, ctx.config.now())
  if (used.status !== 'consumed') throw new OAuthError('invalid_grant', INVALID, { detail: 'device code redeemed concurrently' })
  const flow = used.record.value
  if (flow.user_id === null || flow.auth_time === null) throw new OAuthError('invalid_grant', INVALID, { detail: 'approved device code without a user' })
  const user = await requireUser(ctx, flow.user_id)
  const assurance = await recordGrantAssurance(ctx, {
    grant_id: flow.grant_id, user_id: flow.user_id, client_id: client.client_id,
    ...(flow.amr ? { amr: flow.amr } : {}), ...(flow.acr ? { acr: flow.acr } : {}),
  })
  // The user approved at the verification page with their session's authentication; what policy now
  // demands of this client and user is checked here as at refresh (catalogue MF-08).
  if (!(await grantMeetsPolicy(ctx, client.client_id, user.id, assurance.acr))) {
    throw new OAuthError('access_denied', 'The approval needs a sign-in with a second factor', { detail: `device approval acr ${assurance.acr} below policy` })
  }
  const { response, refresh, issued } = await issueAndSaveUserTokens(ctx, {
    client,
    user,
    scopes: flow.scopes,
    resources: flow.resources,
    requestedResources: readResourceIndicators(params.all('resource')),
    grantId: flow.grant_id,
    authTime: flow.auth_time,
    sessionId: flow.session_id,
    dpopJkt: binding?.dpopJkt,
    assurance,
  })
  void ctx.audit.record({
    type: 'token.issued', grant_type: DEVICE_CODE_GRANT_TYPE, client_id: client.client_id, subject: user.id, scopes: flow.scopes,
    grant_id: flow.grant_id, jti: issued.jti, refresh_token_issued: refresh !== undefined, id_token_issued: issued.idToken,
  })
  return response
}
