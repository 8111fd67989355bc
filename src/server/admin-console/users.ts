import {
  ADMIN_USER_PATHS,
  renderAdminConfirmPage,
  renderAdminProblemPage,
  renderAdminUserPage,
  renderAdminUsersPage,
  type AdminConsentRow,
  type AdminSessionRow,
  type AdminUserFormValues,
  type AdminUserStateFilter,
  type AdminUserSummary,
  type AdminUsersView,
} from '../../ui/index.js'
import { consoleBase, itemsOf, membersOf, noticeOf, nullableSeconds, nullableText, problemOf, seconds, text, type ProblemText } from './problems.js'
import type { AdminApiAnswer, AdminApiMethod, ConsolePage, ConsoleRequest, ConsoleResult } from './types.js'

// The console's users pages: list and search, create, one user's page with its edit form, and the
// confirmed actions on a user — disable or enable, send a password-reset mail, revoke sessions, consents
// and grants, reset the second factor, delete.
// Everything goes through the admin API with the signed-in admin's token (so it is audited with that
// admin as actor); each POST answers 303 with a notice of a fixed name, and a refusal of the API is a
// readable message on a page with the status it deserves.

const NOTICES: ReadonlyMap<string, string> = new Map([
  ['user-created', 'The user was created.'],
  ['user-updated', 'The changes were saved.'],
  ['user-deleted', 'The user was deleted, with their sessions, grants and consents.'],
  ['session-revoked', 'The session was revoked; the clients it signed in to were told (back-channel logout).'],
  ['sessions-revoked', 'Every session of this user was revoked.'],
  ['consent-revoked', 'The consent was revoked, with every grant to that client.'],
  ['grants-revoked', 'Every grant of this user was revoked: their refresh tokens and access tokens no longer work.'],
  ['mfa-reset', 'The second factor was reset: the user has none enrolled now.'],
  ['user-disabled', 'The user was disabled: their sessions ended, their grants were revoked, and they sign in nowhere until enabled.'],
  ['user-enabled', 'The user was enabled: they can sign in again.'],
  ['reset-mail-sent', 'A reset mail was sent to the user\'s verified address; earlier reset links no longer work.'],
])

// The list's state filter as the admin API's `disabled` query; anything else shows every user.
const STATE_QUERY: ReadonlyMap<string, { state: AdminUserStateFilter; disabled: string }> = new Map([
  ['active', { state: 'active', disabled: 'false' }],
  ['disabled', { state: 'disabled', disabled: 'true' }],
])

const enc = encodeURIComponent
const userId = (request: ConsoleRequest): string => request.params.id ?? ''

function userOf(value: unknown): AdminUserSummary | undefined {
  const user = membersOf(membersOf(value).user)
  const id = text(user.id)
  const username = text(user.username)
  if (id === undefined || username === undefined) return undefined
  return {
    id, username,
    name: nullableText(user.name), givenName: nullableText(user.given_name), familyName: nullableText(user.family_name),
    email: nullableText(user.email), emailVerified: user.email_verified === true, picture: nullableText(user.picture),
    mfaEnrolled: user.mfa_enrolled === true, requireMfa: user.require_mfa === true, disabled: user.disabled === true,
    createdAt: seconds(user.created_at), updatedAt: seconds(user.updated_at),
  }
}

const sessionOf = (item: Readonly<Record<string, unknown>>): AdminSessionRow => ({
  sid: text(item.sid) ?? '', authTime: seconds(item.auth_time), createdAt: seconds(item.created_at), expiresAt: seconds(item.expires_at),
  userAgent: text(item.user_agent), clientId: text(item.client_id), lastSeenAt: nullableSeconds(item.last_seen_at) ?? undefined,
})

const consentOf = (item: Readonly<Record<string, unknown>>): AdminConsentRow => ({
  clientId: text(item.client_id) ?? '',
  scopes: Array.isArray(item.scopes) ? item.scopes.filter((scope): scope is string => typeof scope === 'string') : [],
  createdAt: seconds(item.created_at), updatedAt: seconds(item.updated_at),
})

/** The user an answer carries, or the problem page it deserves. */
async function readUser(request: ConsoleRequest): Promise<{ user: AdminUserSummary; etag: string } | { problem: ConsoleResult }> {
  const answer = await request.api('GET', `/users/${enc(userId(request))}`)
  const user = answer.status === 200 ? userOf(answer.body) : undefined
  if (user === undefined) return { problem: problemPage(request, answer, 'user') }
  return { user, etag: answer.headers.get('etag') ?? '' }
}

function problemPage(request: ConsoleRequest, answer: AdminApiAnswer, what: string, back?: { path: string; label: string }): ConsoleResult {
  const problem = answer.status === 200 ? { status: 502, message: 'The admin API answered something this page cannot read.', errors: [] } : problemOf(answer, what)
  const to = back ?? { path: ADMIN_USER_PATHS.list, label: 'Back to the users' }
  return {
    kind: 'page',
    title: problem.status === 404 ? 'Not found' : 'The action did not succeed',
    status: problem.status,
    body: renderAdminProblemPage({ base: consoleBase(request), back: to.path, backLabel: to.label, error: problem.message, errors: problem.errors }),
  }
}

// ---- list and create ----

async function usersPage(request: ConsoleRequest, outcome: { problem?: ProblemText; create?: AdminUsersView['create'] } = {}): Promise<ConsoleResult> {
  const search = outcome.create ? '' : (request.query.get('q') ?? '').trim()
  const cursor = outcome.create ? null : request.query.get('cursor')
  const limit = outcome.create ? null : request.query.get('limit')
  const filter = outcome.create ? undefined : STATE_QUERY.get(request.query.get('state') ?? '')
  const query = new URLSearchParams()
  if (search !== '') query.set('q', search)
  if (filter) query.set('disabled', filter.disabled)
  if (cursor) query.set('cursor', cursor)
  if (limit) query.set('limit', limit)
  const answer = await request.api('GET', `/users${query.toString() !== '' ? `?${query.toString()}` : ''}`)
  const listed = answer.status === 200 ? undefined : problemOf(answer, 'user')
  const users = listed ? [] : itemsOf(answer).map((item) => userOf({ user: item })).filter((user): user is AdminUserSummary => user !== undefined)
  const nextCursor = listed ? undefined : text(membersOf(answer.body).next_cursor)
  const next = nextCursor === undefined ? undefined : new URLSearchParams({ ...(search !== '' ? { q: search } : {}), ...(filter ? { state: filter.state } : {}), ...(limit ? { limit } : {}), cursor: nextCursor }).toString()
  const problem = outcome.problem ?? listed
  const body = renderAdminUsersPage({
    base: consoleBase(request), csrfToken: request.csrfToken, search, state: filter?.state ?? 'all', users, next, paged: Boolean(cursor),
    notice: noticeOf(request, NOTICES), error: problem?.message, errors: problem?.errors, create: outcome.create,
  })
  return { kind: 'page', title: 'Users', body, ...(problem ? { status: problem.status } : {}) }
}

const list: ConsolePage = { method: 'GET', path: ADMIN_USER_PATHS.list, section: 'users', handle: (request) => usersPage(request) }

const create: ConsolePage = {
  method: 'POST', path: ADMIN_USER_PATHS.list, section: 'users',
  async handle(request) {
    const value = (name: string): string => (request.form.get(name) ?? '').trim()
    const entered = { username: value('username'), name: value('name'), email: value('email') }
    const body = {
      username: entered.username,
      password: request.form.get('password') ?? '',
      ...(entered.name !== '' ? { name: entered.name } : {}),
      ...(entered.email !== '' ? { email: entered.email } : {}),
    }
    const answer = await request.api('POST', '/users', { body })
    const user = answer.status === 201 ? userOf(answer.body) : undefined
    if (user) return { kind: 'redirect', to: `${ADMIN_USER_PATHS.user(user.id)}?notice=user-created` }
    // The values come back into the form (escaped), the password never.
    return usersPage(request, { problem: problemOf(answer, 'user'), create: entered })
  },
}

// ---- one user ----

interface UserPageOptions {
  readonly problem?: ProblemText | undefined
  readonly form?: AdminUserFormValues | undefined
  /** The ETag the refused form was read with: a corrected resubmission must still meet a concurrent change. */
  readonly etag?: string | undefined
}

async function userPage(request: ConsoleRequest, options: UserPageOptions = {}): Promise<ConsoleResult> {
  const read = await readUser(request)
  if ('problem' in read) return read.problem
  const path = `/users/${enc(read.user.id)}`
  const [sessions, consents] = await Promise.all([request.api('GET', `${path}/sessions`), request.api('GET', `${path}/consents`)])
  const body = renderAdminUserPage({
    base: consoleBase(request), csrfToken: request.csrfToken, user: read.user, etag: options.etag ?? read.etag, form: options.form,
    notice: noticeOf(request, NOTICES), error: options.problem?.message, errors: options.problem?.errors,
    sessions: sessions.status === 200 ? itemsOf(sessions).map(sessionOf) : undefined,
    sessionsError: sessions.status === 200 ? undefined : problemOf(sessions, 'user').message,
    consents: consents.status === 200 ? itemsOf(consents).map(consentOf) : undefined,
    consentsError: consents.status === 200 ? undefined : problemOf(consents, 'user').message,
  })
  return { kind: 'page', title: `User ${read.user.username}`, body, ...(options.problem ? { status: options.problem.status } : {}) }
}

const detail: ConsolePage = { method: 'GET', path: '/users/{id}', section: 'users', handle: (request) => userPage(request) }

const edit: ConsolePage = {
  method: 'POST', path: '/users/{id}', section: 'users',
  async handle(request) {
    const form = request.form
    const entered: AdminUserFormValues = {
      name: (form.get('name') ?? '').trim(), givenName: (form.get('given_name') ?? '').trim(), familyName: (form.get('family_name') ?? '').trim(),
      email: (form.get('email') ?? '').trim(), picture: (form.get('picture') ?? '').trim(),
      emailVerified: form.get('email_verified') === 'true', requireMfa: form.get('require_mfa') === 'true',
    }
    const orNull = (value: string): string | null => (value === '' ? null : value)
    const password = form.get('password') ?? ''
    const body = {
      name: orNull(entered.name), given_name: orNull(entered.givenName), family_name: orNull(entered.familyName),
      email: orNull(entered.email), picture: orNull(entered.picture), email_verified: entered.emailVerified, require_mfa: entered.requireMfa,
      ...(password !== '' ? { password } : {}),
    }
    const etag = form.get('etag') ?? ''
    // RFC 9110 §13.1.1: the tag the admin's page was read with, so a change made meanwhile is not overwritten.
    const answer = await request.api('PATCH', `/users/${enc(userId(request))}`, { body, headers: { 'If-Match': etag } })
    if (answer.status === 200) return { kind: 'redirect', to: `${ADMIN_USER_PATHS.user(userId(request))}?notice=user-updated` }
    const problem = problemOf(answer, 'user')
    if (answer.status === 404) return problemPage(request, answer, 'user')
    // A stale tag: the page shows what is stored now (and its tag), the admin's input is dropped.
    if (answer.status === 412 || answer.status === 428) return userPage(request, { problem })
    return userPage(request, { problem, form: entered, etag })
  },
}

// ---- confirmed actions ----

interface ConfirmedAction {
  /** The route below the console's base, with `{id}` and the action's own parameters. */
  readonly path: string
  /** The same path for this request (where the confirmation's form posts). */
  readonly href: (request: ConsoleRequest) => string
  readonly title: string
  readonly question: string
  readonly subject: (request: ConsoleRequest, user: AdminUserSummary) => string
  readonly submitLabel: string
  /** False for an action that takes nothing away (the button is not marked as destructive). */
  readonly destructive?: boolean
  /** Sends the ETag the confirmation page read the user with, as If-Match (RFC 9110 §13.1.1). */
  readonly ifMatch?: boolean
  /** The admin API call doing it, and its success status. */
  readonly call: (request: ConsoleRequest) => { method: AdminApiMethod; path: string; ok: number; body?: unknown }
  /** What a 404 of the call is about. */
  readonly missing: string
  /** The message of a 409 of the call, when the API's detail is the whole story. */
  readonly conflict?: (detail: string) => string
  readonly notice: string
  /** Where to go after it; the user's page by default. */
  readonly after?: (request: ConsoleRequest) => string
}

/** The GET confirmation page holding the POST form, and the POST doing the action: one route pair. */
function confirmed(action: ConfirmedAction): ConsolePage[] {
  const back = (request: ConsoleRequest) => ({ path: ADMIN_USER_PATHS.user(userId(request)), label: 'Back to the user' })
  const confirm: ConsolePage = {
    method: 'GET', path: action.path, section: 'users',
    async handle(request) {
      const read = await readUser(request)
      if ('problem' in read) return read.problem
      const body = renderAdminConfirmPage({
        base: consoleBase(request), csrfToken: request.csrfToken, action: action.href(request), question: action.question,
        subject: action.subject(request, read.user), submitLabel: action.submitLabel, cancel: ADMIN_USER_PATHS.user(read.user.id),
        ...(action.destructive === false ? { destructive: false } : {}), ...(action.ifMatch ? { hidden: { etag: read.etag } } : {}),
      })
      return { kind: 'page', title: action.title, body }
    },
  }
  const act: ConsolePage = {
    method: 'POST', path: action.path, section: 'users',
    async handle(request) {
      const call = action.call(request)
      const answer = await request.api(call.method, call.path, {
        ...(call.body !== undefined ? { body: call.body } : {}),
        ...(action.ifMatch ? { headers: { 'If-Match': request.form.get('etag') ?? '' } } : {}),
      })
      if (answer.status === call.ok) return { kind: 'redirect', to: `${action.after?.(request) ?? ADMIN_USER_PATHS.user(userId(request))}?notice=${action.notice}` }
      // A stale tag: the user's page as stored now says someone else changed it, as the edit form does.
      if (action.ifMatch && (answer.status === 412 || answer.status === 428)) return userPage(request, { problem: problemOf(answer, 'user') })
      const detail = text(membersOf(answer.body).detail)
      if (answer.status === 409 && action.conflict && detail !== undefined) {
        const message = action.conflict(detail)
        const to = back(request)
        return { kind: 'page', title: 'The action did not succeed', status: 409, body: renderAdminProblemPage({ base: consoleBase(request), back: to.path, backLabel: to.label, error: message }) }
      }
      return problemPage(request, answer, action.missing, back(request))
    },
  }
  return [confirm, act]
}

const base = (request: ConsoleRequest): string => `/users/${enc(userId(request))}`

const ACTIONS: readonly ConfirmedAction[] = [
  {
    path: '/users/{id}/disable', href: (request) => ADMIN_USER_PATHS.disable(userId(request)), title: 'Disable a user',
    question: 'The user signs in nowhere until enabled again: every session of theirs ends now (the clients are told by back-channel logout) and every grant is revoked, so their refresh and access tokens stop working. Nothing is deleted.',
    subject: (_request, user) => `${user.username}${user.email ? ` (${user.email})` : ''}`,
    submitLabel: 'Disable the user', missing: 'user', notice: 'user-disabled', ifMatch: true,
    call: (request) => ({ method: 'PATCH', path: base(request), ok: 200, body: { disabled: true } }),
  },
  {
    path: '/users/{id}/enable', href: (request) => ADMIN_USER_PATHS.enable(userId(request)), title: 'Enable a user',
    question: 'The user can sign in again with their password. The sessions and grants ended when they were disabled stay ended.',
    subject: (_request, user) => `${user.username}${user.email ? ` (${user.email})` : ''}`,
    submitLabel: 'Enable the user', destructive: false, missing: 'user', notice: 'user-enabled', ifMatch: true,
    call: (request) => ({ method: 'PATCH', path: base(request), ok: 200, body: { disabled: false } }),
  },
  {
    path: '/users/{id}/password-reset', href: (request) => ADMIN_USER_PATHS.passwordReset(userId(request)), title: 'Send a password-reset mail',
    question: 'The user gets the mail of the login page\'s "Forgot password?" at their verified address: a new single-use link (earlier ones stop working). The link is in the mail only; their password stays until they use it.',
    subject: (_request, user) => `${user.username}${user.email ? ` (${user.email})` : ''}`,
    submitLabel: 'Send the mail', destructive: false, missing: 'user', notice: 'reset-mail-sent',
    conflict: (detail) => `No mail was sent. ${detail}.`,
    call: (request) => ({ method: 'POST', path: `${base(request)}/password-reset`, ok: 202 }),
  },
  {
    path: '/users/{id}/sessions/{sid}/revoke', href: (request) => ADMIN_USER_PATHS.revokeSession(userId(request), request.params.sid ?? ''), title: 'Revoke a session',
    question: 'The user is signed out of this session; the clients it signed in to are told by back-channel logout. Their other sessions stay.',
    subject: (request, user) => `Session ${request.params.sid ?? ''} of ${user.username}`,
    submitLabel: 'Revoke the session', missing: 'session of this user', notice: 'session-revoked',
    call: (request) => ({ method: 'DELETE', path: `${base(request)}/sessions/${enc(request.params.sid ?? '')}`, ok: 204 }),
  },
  {
    path: '/users/{id}/sessions/revoke', href: (request) => ADMIN_USER_PATHS.revokeSessions(userId(request)), title: 'Revoke every session',
    question: 'The user is signed out everywhere; the clients their sessions signed in to are told by back-channel logout.',
    subject: (_request, user) => `Every session of ${user.username}`,
    submitLabel: 'Revoke every session', missing: 'user', notice: 'sessions-revoked',
    call: (request) => ({ method: 'DELETE', path: `${base(request)}/sessions`, ok: 200 }),
  },
  {
    path: '/users/{id}/consents/{client_id}/revoke', href: (request) => ADMIN_USER_PATHS.revokeConsent(userId(request), request.params.client_id ?? ''), title: 'Revoke a consent',
    question: 'The consent is forgotten and every grant between the user and this client is revoked: its refresh tokens stop working, and the user is asked again at the next sign-in.',
    subject: (request, user) => `Consent of ${user.username} to the client ${request.params.client_id ?? ''}`,
    submitLabel: 'Revoke the consent', missing: 'consent or grant of this user', notice: 'consent-revoked',
    call: (request) => ({ method: 'DELETE', path: `${base(request)}/consents/${enc(request.params.client_id ?? '')}`, ok: 200 }),
  },
  {
    path: '/users/{id}/grants/revoke', href: (request) => ADMIN_USER_PATHS.revokeGrants(userId(request)), title: 'Revoke every grant',
    question: 'Every grant of the user is revoked: refresh tokens and opaque access tokens end at once, JWT access tokens at introspection and userinfo. Consents stay.',
    subject: (_request, user) => `Every grant of ${user.username}`,
    submitLabel: 'Revoke every grant', missing: 'user', notice: 'grants-revoked',
    call: (request) => ({ method: 'DELETE', path: `${base(request)}/grants`, ok: 200 }),
  },
  {
    path: '/users/{id}/mfa/reset', href: (request) => ADMIN_USER_PATHS.resetMfa(userId(request)), title: 'Reset the second factor',
    question: 'The user\'s second factors (authenticator app, recovery codes) are removed. Use this when they lost their device and proved who they are otherwise.',
    subject: (_request, user) => `Second factor of ${user.username}`,
    submitLabel: 'Reset the second factor', missing: 'user', notice: 'mfa-reset',
    call: (request) => ({ method: 'DELETE', path: `${base(request)}/mfa`, ok: 204 }),
  },
  {
    path: '/users/{id}/delete', href: (request) => ADMIN_USER_PATHS.remove(userId(request)), title: 'Delete a user',
    question: 'The user is deleted with their sessions, grants and consents. This cannot be undone.',
    subject: (_request, user) => `${user.username}${user.email ? ` (${user.email})` : ''}`,
    submitLabel: 'Delete the user', missing: 'user', notice: 'user-deleted',
    call: (request) => ({ method: 'DELETE', path: base(request), ok: 204 }),
    after: () => ADMIN_USER_PATHS.list,
  },
]

/**
 * The users section of the admin console: every route of its pages, for the console's frame to register.
 *
 * @example const PAGES = [...CLIENT_PAGES, ...USER_PAGES, ...KEY_PAGES]
 * @see README "Admin console"
 */
export const USER_PAGES: readonly ConsolePage[] = [list, create, detail, edit, ...ACTIONS.flatMap(confirmed)]
