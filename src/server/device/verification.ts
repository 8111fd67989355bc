import { OAuthError } from '../../errors.js'
import { sha256 } from '../../crypto/random.js'
import { formParameters, queryParameters, type Parameters } from '../../http/form.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { formatUserCode, normalizeUserCode, type UserCode } from '../../protocol/rfc8628/user-code.js'
import { DEVICE_CODE, DEVICE_USER_CODE, findByUserCode, type DeviceCodeRecord } from '../../storage/kinds/device-codes.js'
import type { ClientRecord, KeyedRecord } from '../../storage/types.js'
import { addressGroup } from '../abuse/address-group.js'
import { RateLimitedError } from '../abuse/client-limits.js'
import type { ServerContext } from '../context.js'
import { findClient } from '../find-client.js'
import { acrOf } from '../mfa/assurance.js'
import { grantMeetsPolicy } from '../mfa/policy.js'
import { en } from '../../ui/index.js'
import { errorPage, htmlResponse, languageOf, type DeviceView, type Translator } from '../pages.js'
import { loadResources } from '../resources/directory.js'
import { checkSessionCsrfToken, currentSession, isSameOrigin, sessionCsrfToken, type CurrentSession } from '../session.js'
import type { ResolvedDeviceAuthorizationOptions } from './options.js'
import { signInRedirect, verificationUri } from './sign-in.js'

const CSRF_PURPOSE = 'device'

/*
 * Fixed texts (catalogue keys), never what was typed. The two thrown for the error page are the English
 * texts of `error.*` keys, which the error page shows in its own language.
 */
const BAD_FORM = en['error.publicFormNotVerified']
const CHOOSE_DECISION = en['error.chooseApproveOrDeny']

interface Found {
  code: UserCode
  deviceCodeHash: string
  record: KeyedRecord<DeviceCodeRecord>
  client: ClientRecord
}

/** GET /device: the code form for the signed-in user, prefilled from `verification_uri_complete`; else the login first. */
export async function showVerification(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  let prefill: UserCode | undefined
  try {
    const typed = queryParameters(request.url).get('user_code')
    prefill = typed === undefined ? undefined : normalizeUserCode(typed)
  } catch {
    prefill = undefined
  }
  const session = await currentSession(ctx, request.headers)
  if (!session) return signInRedirect(ctx, prefill)
  const t = languageOf(ctx, request.headers)
  // RFC 8628 §5.4: arriving with the code fills the field and nothing more; the user still confirms it.
  return page(ctx, t, session, 200, { step: 'enter', ...(prefill ? { userCode: formatUserCode(prefill) } : {}) })
}

/**
 * POST /device: a typed user code (→ the approval page), or the decision on one (`decision=approve|deny`).
 * Each needs the session, this origin and the page's CSRF token; every lookup of a code passes the
 * guessing limits (§5.1), counted per client address (IPv6 by /64) and per user and never reset.
 */
export function submitVerification(options: ResolvedDeviceAuthorizationOptions) {
  return async (ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> => {
    const session = await currentSession(ctx, request.headers)
    if (!session) return signInRedirect(ctx, undefined)
    const t = languageOf(ctx, request.headers)
    let params: Parameters
    try {
      params = formParameters(request)
      if (!isSameOrigin(ctx, request.headers) || !checkSessionCsrfToken(ctx, session.record.id_hash, CSRF_PURPOSE, params.get('csrf_token'))) {
        throw new OAuthError('invalid_request', BAD_FORM, { status: 403 })
      }
    } catch (error) {
      if (error instanceof OAuthError) return errorPage(ctx, error, t)
      throw error
    }
    const typed = params.get('user_code') ?? ''
    const guessKeys = [`device:address:${request.remoteAddress === undefined ? 'unknown' : addressGroup(request.remoteAddress)}`, `device:user:${session.user.id}`]
    try {
      await ctx.clientLimits.admitGuesses(guessKeys, options.userCodeFailures, ctx.config.now())
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error
      const response = page(ctx, t, session, 429, { step: 'enter', userCode: typed.slice(0, 32), error: t.text('device.error.throttled') })
      response.headers.set('Retry-After', String(error.retryAfter))
      return response
    }
    const found = await lookUp(ctx, typed)
    if (!found) {
      await ctx.clientLimits.guessFailed(guessKeys, options.windowSeconds, ctx.config.now())
      void ctx.audit.record({ type: 'device_code.user_code_failed', user_id: session.user.id, client_address: request.remoteAddress ?? null })
      return page(ctx, t, session, 400, { step: 'enter', userCode: typed.slice(0, 32), error: t.text('device.error.unknownCode') })
    }
    const decision = params.get('decision')
    if (decision === undefined) return confirmation(ctx, t, session, found)
    if (decision !== 'approve' && decision !== 'deny') return errorPage(ctx, new OAuthError('invalid_request', CHOOSE_DECISION), t)
    return decide(ctx, t, request, session, found, decision)
  }
}

async function lookUp(ctx: ServerContext, typed: string): Promise<Found | undefined> {
  const code = normalizeUserCode(typed)
  if (!code) return undefined
  const live = await findByUserCode(ctx.config.store.records, sha256(code), ctx.config.now())
  if (!live || live.record.value.status !== 'pending') return undefined
  // A client disabled or deleted since the device asked gets no approval.
  const client = await findClient(ctx, live.record.value.client_id)
  return client ? { code, ...live, client } : undefined
}

/** The approval page: who asks, for what, the code to compare, the §5.4 warning. */
async function confirmation(ctx: ServerContext, t: Translator, session: CurrentSession, found: Found): Promise<OAuthResponse> {
  const directory = await loadResources(ctx)
  return page(ctx, t, session, 200, {
    step: 'confirm', userCode: formatUserCode(found.code), clientName: found.client.client_name,
    scopes: found.record.value.scopes, scopeDescriptions: directory.scopeDescriptions,
    ...(found.client.registered_by !== 'operator' ? { unverified: true } : {}),
  })
}

async function decide(ctx: ServerContext, t: Translator, request: OAuthRequest, session: CurrentSession, found: Found, decision: 'approve' | 'deny'): Promise<OAuthResponse> {
  const login = session.record
  const acr = login.acr ?? acrOf(login.amr ?? ['pwd'])
  // The MFA policy of the device's client and of the user apply to this approval as to any login: a
  // one-factor session goes through the second step first (and back here with the code prefilled).
  if (decision === 'approve' && !(await grantMeetsPolicy(ctx, found.client.client_id, session.user.id, acr))) {
    return signInRedirect(ctx, found.code, { secondFactor: true })
  }
  let current = found.record
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = ctx.config.now()
    const value: DeviceCodeRecord = decision === 'approve'
      ? { ...current.value, status: 'approved', user_id: session.user.id, auth_time: login.auth_time, session_id: login.sid, amr: login.amr ?? ['pwd'], acr }
      : { ...current.value, status: 'denied', user_id: session.user.id }
    // Compare-and-set against the device's polls, which change the record's revision too.
    if (await ctx.config.store.records.update(DEVICE_CODE, found.deviceCodeHash, current.revision, value, now)) {
      await ctx.config.store.records.delete(DEVICE_USER_CODE, sha256(found.code))
      const event = { client_id: found.client.client_id, user_id: session.user.id, grant_id: value.grant_id, client_address: request.remoteAddress ?? null }
      if (decision === 'approve') {
        // Listed under connected apps, where the user can end it; a device flow never skips this page.
        await ctx.config.store.consents.grant(session.user.id, found.client.client_id, value.scopes, now)
        void ctx.audit.record({ type: 'device_code.approved', ...event, scopes: value.scopes })
      } else {
        void ctx.audit.record({ type: 'device_code.denied', ...event })
      }
      return page(ctx, t, session, 200, { step: 'done', outcome: decision === 'approve' ? 'approved' : 'denied' })
    }
    const again = await ctx.config.store.records.get(DEVICE_CODE, found.deviceCodeHash, now)
    if (!again || again.value.status !== 'pending' || again.value.expires_at <= now) break
    current = again
  }
  return page(ctx, t, session, 400, { step: 'enter', error: t.text('device.error.unknownCode') })
}

/** The page for the session's user, its forms posting back to `/device` with the session's CSRF token. */
function page(ctx: ServerContext, t: Translator, session: CurrentSession, status: number, view: Omit<DeviceView, 'action' | 'csrfToken' | 'userName'>): OAuthResponse {
  const full: DeviceView = { ...view, action: verificationUri(ctx), csrfToken: sessionCsrfToken(ctx, session.record.id_hash, CSRF_PURPOSE), userName: session.user.name ?? session.user.username }
  return htmlResponse(ctx, status, (pages, nonce, env) => pages.device(full, nonce, env), { cookies: [session.renewedCookie], language: t })
}
