import { createUser, deleteUser, revokeConsent, setUserDisabled, updateUser, type UserChanges } from '../admin.js'
import { liveSessions, revocationHorizon, revokeAllGrants } from '../account/grants.js'
import { resetMailSender } from '../account/index.js'
import { resetSecondFactor, secondFactorStatus, setUserRequireMfa } from '../mfa/admin.js'
import { sessionsEnded } from '../session-events.js'
import { LOGIN_SESSION } from '../../storage/kinds/sessions.js'
import type { UserRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { bodyOf, booleanFilter, checkIfMatch, etagOf, json, noContent, pageAfter, pageOf, textFilter } from './http.js'
import type { AdminCall, AdminOperation } from './operation.js'
import { AdminProblem, notFound } from './problem.js'
import { UserCreate, UserPatch } from './schemas.js'

interface ShownUser {
  user: Omit<UserRecord, 'password_hash'> & { mfa_enrolled: boolean; require_mfa: boolean }
  etag: string
}

/** A user as the API shows it: the profile and second-factor state, never the password hash. */
async function shown(ctx: ServerContext, user: UserRecord): Promise<ShownUser> {
  const { password_hash: _hash, ...profile } = user
  const mfa = await secondFactorStatus(ctx.config.store, user.id, ctx.config.now())
  // The hash is in the tag: a new password (or MFA setting) makes an earlier read stale.
  return { user: { ...profile, mfa_enrolled: mfa.enrolled, require_mfa: mfa.required }, etag: etagOf({ user, mfa }) }
}

async function stored(call: AdminCall): Promise<UserRecord> {
  const user = await call.ctx.config.store.users.get(call.params.user_id ?? '')
  if (!user) throw notFound('user')
  return user
}

async function answer(ctx: ServerContext, status: number, user: UserRecord, headers: Record<string, string> = {}) {
  const { user: view, etag } = await shown(ctx, user)
  return json(status, { user: view }, { ETag: etag, ...headers })
}

const list: AdminOperation = {
  id: 'listUsers', method: 'GET', path: '/users', scope: 'admin:users:read',
  async handle({ ctx, query }) {
    const { limit, cursor } = pageOf(query)
    const q = textFilter(query, 'q')?.toLowerCase()
    const disabled = booleanFilter(query, 'disabled')
    const users = (await ctx.config.store.users.list()).filter((user) =>
      (q === undefined || [user.username, user.name, user.email].some((value) => value?.toLowerCase().includes(q)))
      && (disabled === undefined || user.disabled === disabled))
    const page = pageAfter(users, (user) => user.id, limit, cursor)
    const items = await Promise.all(page.items.map(async (user) => (await shown(ctx, user)).user))
    return json(200, { items, next_cursor: page.next_cursor })
  },
}

const create: AdminOperation = {
  id: 'createUser', method: 'POST', path: '/users', scope: 'admin:users:write',
  async handle({ ctx, request, admin, base }) {
    const body = bodyOf(request, UserCreate)
    const user = await createUser(ctx.config.store, {
      username: body.username,
      password: body.password,
      ...(body.name != null ? { name: body.name } : {}),
      ...(body.given_name != null ? { givenName: body.given_name } : {}),
      ...(body.family_name != null ? { familyName: body.family_name } : {}),
      ...(body.email != null ? { email: body.email } : {}),
      ...(body.email_verified !== undefined ? { emailVerified: body.email_verified } : {}),
      ...(body.picture != null ? { picture: body.picture } : {}),
    }, ctx.config.now(), admin)
    return answer(ctx, 201, user, { Location: `${base}/users/${encodeURIComponent(user.id)}` })
  },
}

const read: AdminOperation = {
  id: 'getUser', method: 'GET', path: '/users/{user_id}', scope: 'admin:users:read',
  async handle(call) {
    return answer(call.ctx, 200, await stored(call))
  },
}

const update: AdminOperation = {
  id: 'updateUser', method: 'PATCH', path: '/users/{user_id}', scope: 'admin:users:write',
  async handle(call) {
    const { ctx, request, admin } = call
    const body = bodyOf(request, UserPatch)
    const current = await stored(call)
    checkIfMatch(request, (await shown(ctx, current)).etag)
    const changes: UserChanges = {
      ...(body.password !== undefined ? { password: body.password } : {}),
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.given_name !== undefined ? { givenName: body.given_name } : {}),
      ...(body.family_name !== undefined ? { familyName: body.family_name } : {}),
      ...(body.email !== undefined ? { email: body.email } : {}),
      ...(body.email_verified !== undefined ? { emailVerified: body.email_verified } : {}),
      ...(body.picture !== undefined ? { picture: body.picture } : {}),
    }
    let user: UserRecord | undefined = current
    if (Object.keys(changes).length > 0) user = await updateUser(ctx.config.store, current.id, changes, ctx.config.now(), admin)
    if (!user) throw notFound('user')
    if (body.require_mfa !== undefined) {
      await setUserRequireMfa(ctx.config.store, current.id, body.require_mfa)
      await admin.audit.record({ type: 'admin.user_mfa_policy_changed', user_id: current.id, require_mfa: body.require_mfa, actor: 'admin' })
    }
    if (body.disabled !== undefined && body.disabled !== user.disabled) {
      // The sessions' back-channel logout clients are told now, by this server, rather than queued.
      if (body.disabled) await endSessions(call, current.id, undefined)
      user = await setUserDisabled(ctx.config.store, current.id, body.disabled, ctx.config.now(), { ...admin, until: revocationHorizon(ctx) })
      if (!user) throw notFound('user')
    }
    return answer(ctx, 200, user)
  },
}

const remove: AdminOperation = {
  id: 'deleteUser', method: 'DELETE', path: '/users/{user_id}', scope: 'admin:users:write',
  async handle({ ctx, params, admin }) {
    if (!(await deleteUser(ctx.config.store, params.user_id ?? '', admin))) throw notFound('user')
    return noContent()
  },
}

const sessions: AdminOperation = {
  id: 'listUserSessions', method: 'GET', path: '/users/{user_id}/sessions', scope: 'admin:users:read',
  async handle(call) {
    const user = await stored(call)
    const live = await liveSessions(call.ctx.config.store, user.id, call.ctx.config.now())
    return json(200, { items: live.map((session) => ({ sid: session.sid, auth_time: session.authTime, created_at: session.createdAt, expires_at: session.expiresAt })) })
  },
}

/** Ends sessions as the account page does: their back-channel logout clients are told first. */
async function endSessions(call: AdminCall, userId: string, sid: string | undefined): Promise<string[]> {
  const { ctx, admin } = call
  const live = await liveSessions(ctx.config.store, userId, ctx.config.now())
  const chosen = sid === undefined ? live : live.filter((session) => session.sid === sid)
  await sessionsEnded(ctx, chosen.map((session) => ({ sid: session.sid, user_id: userId })), 'revoked')
  for (const session of chosen) {
    await ctx.config.store.records.delete(LOGIN_SESSION, session.key)
    await admin.audit.record({ type: 'admin.session_revoked', user_id: userId, sid: session.sid, actor: 'admin' })
  }
  return chosen.map((session) => session.sid)
}

const revokeSession: AdminOperation = {
  id: 'revokeUserSession', method: 'DELETE', path: '/users/{user_id}/sessions/{sid}', scope: 'admin:users:write',
  async handle(call) {
    const user = await stored(call)
    // Another user's sid is as unknown here as one that never existed.
    if ((await endSessions(call, user.id, call.params.sid ?? '')).length === 0) throw notFound('session of this user')
    return noContent()
  },
}

const revokeSessions: AdminOperation = {
  id: 'revokeUserSessions', method: 'DELETE', path: '/users/{user_id}/sessions', scope: 'admin:users:write',
  async handle(call) {
    const user = await stored(call)
    return json(200, { revoked: await endSessions(call, user.id, undefined) })
  },
}

const consents: AdminOperation = {
  id: 'listUserConsents', method: 'GET', path: '/users/{user_id}/consents', scope: 'admin:users:read',
  async handle(call) {
    const user = await stored(call)
    const items = (await call.ctx.config.store.consents.listByUser(user.id)).map(({ client_id, scopes, created_at, updated_at }) => ({ client_id, scopes, created_at, updated_at }))
    return json(200, { items })
  },
}

const revokeUserConsent: AdminOperation = {
  id: 'revokeUserConsent', method: 'DELETE', path: '/users/{user_id}/consents/{client_id}', scope: 'admin:users:write',
  async handle(call) {
    const user = await stored(call)
    const result = await revokeConsent(call.ctx.config.store, user.id, call.params.client_id ?? '', revocationHorizon(call.ctx), call.admin)
    if (!result.consent && result.revokedGrants === 0) throw notFound('consent or grant of this user')
    return json(200, { consent_revoked: result.consent, revoked_grants: result.revokedGrants })
  },
}

const revokeGrants: AdminOperation = {
  id: 'revokeUserGrants', method: 'DELETE', path: '/users/{user_id}/grants', scope: 'admin:users:write',
  async handle(call) {
    const user = await stored(call)
    // Refresh tokens and opaque access tokens end at once, JWT access tokens at introspection and userinfo.
    const count = await revokeAllGrants(call.ctx, user.id)
    await call.admin.audit.record({ type: 'admin.grants_revoked', user_id: user.id, revoked_grants: count, actor: 'admin' })
    return json(200, { revoked_grants: count })
  },
}

const resetMfa: AdminOperation = {
  id: 'resetUserMfa', method: 'DELETE', path: '/users/{user_id}/mfa', scope: 'admin:users:write',
  async handle(call) {
    const user = await stored(call)
    await resetSecondFactor(call.ctx.config.store, user.id, call.admin)
    return noContent()
  },
}

const passwordReset: AdminOperation = {
  id: 'sendUserPasswordReset', method: 'POST', path: '/users/{user_id}/password-reset', scope: 'admin:users:write',
  async handle(call) {
    const user = await stored(call)
    // The login page's "Forgot password?" mail, with its rules (catalogue AC-01): the newest link only, single
    // use, dead once the password changes. The link is in the mail alone, never in this answer.
    const send = resetMailSender(call.ctx)
    if (!send) throw new AdminProblem(409, 'This server sends no mail: a password reset by mail needs the account capability with mail (accountSelfService({ mail }), or mail in the configuration file)')
    if ((await send(call.ctx, user)) === 'no_verified_email') throw new AdminProblem(409, 'The user has no verified e-mail address: a reset link goes only to an address that proved who reads it')
    await call.admin.audit.record({ type: 'admin.password_reset_sent', user_id: user.id, actor: 'admin' })
    return { status: 202, headers: new Headers({ 'Cache-Control': 'no-store' }) }
  },
}

export const USER_OPERATIONS: readonly AdminOperation[] = [list, create, read, update, remove, sessions, revokeSession, revokeSessions, consents, revokeUserConsent, revokeGrants, resetMfa, passwordReset]
