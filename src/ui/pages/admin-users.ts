import { hiddenFields } from '../form-fields.js'
import { html, type SafeHtml } from '../html.js'

// The admin console's users pages: pure functions from view models to the body the console's frame puts
// under its <h1> (so sections start at <h2>). Every value that came from the store or a request is escaped
// by `html`; a URL a user supplied is a link only when it is http(s) (catalogue AC-08).

/** Console paths of the users pages, below the console's base: the routes and the links use the same ones. */
export const ADMIN_USER_PATHS = {
  list: '/users',
  user: (id: string): string => `/users/${encodeURIComponent(id)}`,
  remove: (id: string): string => `/users/${encodeURIComponent(id)}/delete`,
  revokeSession: (id: string, sid: string): string => `/users/${encodeURIComponent(id)}/sessions/${encodeURIComponent(sid)}/revoke`,
  revokeSessions: (id: string): string => `/users/${encodeURIComponent(id)}/sessions/revoke`,
  revokeConsent: (id: string, clientId: string): string => `/users/${encodeURIComponent(id)}/consents/${encodeURIComponent(clientId)}/revoke`,
  revokeGrants: (id: string): string => `/users/${encodeURIComponent(id)}/grants/revoke`,
  resetMfa: (id: string): string => `/users/${encodeURIComponent(id)}/mfa/reset`,
  disable: (id: string): string => `/users/${encodeURIComponent(id)}/disable`,
  enable: (id: string): string => `/users/${encodeURIComponent(id)}/enable`,
  passwordReset: (id: string): string => `/users/${encodeURIComponent(id)}/password-reset`,
} as const

/** What the admin console shows of one user: the admin API's profile and second-factor state. */
export interface AdminUserSummary {
  id: string
  username: string
  name: string | null
  givenName: string | null
  familyName: string | null
  email: string | null
  emailVerified: boolean
  picture: string | null
  mfaEnrolled: boolean
  requireMfa: boolean
  /** Signs in nowhere until enabled again. */
  disabled: boolean
  /** Seconds since the epoch. */
  createdAt: number
  updatedAt: number
}

/** The values of the user form: as stored, or as the admin typed them when the change was refused. */
export interface AdminUserFormValues {
  name: string
  givenName: string
  familyName: string
  email: string
  picture: string
  emailVerified: boolean
  requireMfa: boolean
}

/** A message of the last action: `notice` for a success (a fixed text), `error` with the API's reasons. */
export interface AdminMessages {
  notice?: string | undefined
  error?: string | undefined
  /** Each invalid member the API named, as text. */
  errors?: readonly string[] | undefined
}

/** Which users the list shows: the admin API's `disabled` filter (absent for all, `false`, `true`). */
export type AdminUserStateFilter = 'all' | 'active' | 'disabled'

/** The users list: one page of the API's cursor paging, the search, and the create form. */
export interface AdminUsersView extends AdminMessages {
  /** The console's base path (`/admin`): every link and form action is below it. */
  base: string
  csrfToken: string
  /** The search as given (`q`), empty for none. */
  search: string
  /** The state filter (`state`); all users when absent. */
  state?: AdminUserStateFilter | undefined
  users: readonly AdminUserSummary[]
  /** The query string of the next page (`q`, `state`, `cursor`), absent on the last page. */
  next?: string | undefined
  /** True when this is not the first page. */
  paged: boolean
  /** The create form's values after a refused create (never the password). */
  create?: { username: string; name: string; email: string } | undefined
}

/** One live login session of a user. */
export interface AdminSessionRow {
  sid: string
  authTime: number
  createdAt: number
  expiresAt: number
  /** Shown when the API reports them (the session store keeps neither today). */
  userAgent?: string | undefined
  clientId?: string | undefined
  lastSeenAt?: number | undefined
}

/** One client the user consented to. */
export interface AdminConsentRow {
  clientId: string
  scopes: readonly string[]
  createdAt: number
  updatedAt: number
}

/** One user's page: profile, edit form, second factor, sessions, consents and the destructive actions. */
export interface AdminUserView extends AdminMessages {
  base: string
  csrfToken: string
  user: AdminUserSummary
  /** The ETag the user was read with: the edit form sends it back as If-Match. */
  etag: string
  /** Overrides the form's values (after a refused change). */
  form?: AdminUserFormValues | undefined
  /** Undefined when they could not be read (`sessionsError` says why). */
  sessions: readonly AdminSessionRow[] | undefined
  sessionsError?: string | undefined
  consents: readonly AdminConsentRow[] | undefined
  consentsError?: string | undefined
}

/** A confirmation page: what will happen, one POST form, and a way back. */
export interface AdminConfirmView {
  base: string
  csrfToken: string
  /** Below `base`: where the form posts. */
  action: string
  /** What the action does, one or two sentences. */
  question: string
  /** A fact about the object (whose session, which client), shown as such. */
  subject?: string | undefined
  submitLabel: string
  /** Below `base`: where "Cancel" goes. */
  cancel: string
  /** A warning in addition (e.g. a new sign-in will be asked). */
  note?: string | undefined
  /** Marks the button as destructive. */
  destructive?: boolean | undefined
  /** Hidden fields the form sends besides the CSRF token (the ETag of a change sent with If-Match). */
  hidden?: Record<string, string> | undefined
}

/**
 * A moment as the console shows it: UTC to the minute, machine-readable in `datetime`.
 *
 * @example adminTime(0) // <time datetime="1970-01-01T00:00:00.000Z">1970-01-01 00:00 UTC</time>
 */
export function adminTime(seconds: number | null | undefined): SafeHtml {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return html`—`
  const iso = new Date(seconds * 1000).toISOString()
  return html`<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</time>`
}

/** The notice and error of a page: `role=status` and `role=alert`, each invalid member listed. */
export function adminMessages(view: AdminMessages): SafeHtml {
  return html`${view.notice ? html`<div class="notice" role="status">${view.notice}</div>` : html``}
${view.error
    ? html`<div class="alert" role="alert">${view.error}${view.errors?.length ? html`<ul>${view.errors.map((entry) => html`<li>${entry}</li>`)}</ul>` : html``}</div>`
    : html``}`
}

/** A link only for an http(s) URL: anything else (`javascript:`, `data:`) is shown as text (catalogue AC-08). */
function externalLink(url: string | null): SafeHtml {
  if (url === null || url === '') return html`—`
  return /^https?:\/\//i.test(url) ? html`<a href="${url}" rel="noopener noreferrer nofollow">${url}</a>` : html`<span class="detail">${url}</span>`
}

const yesNo = (value: boolean): string => (value ? 'yes' : 'no')

const STATE_FILTERS: ReadonlyArray<readonly [AdminUserStateFilter, string]> = [['all', 'All'], ['active', 'Active'], ['disabled', 'Disabled']]

/**
 * The users list: search, a table of one page, paging links, and the form creating a user.
 *
 * @example renderAdminUsersPage({ base: '/admin', csrfToken, search: '', users, paged: false })
 */
export function renderAdminUsersPage(view: AdminUsersView): SafeHtml {
  const list = `${view.base}${ADMIN_USER_PATHS.list}`
  const create = view.create ?? { username: '', name: '', email: '' }
  const state = view.state ?? 'all'
  const first = new URLSearchParams({ ...(view.search ? { q: view.search } : {}), ...(state !== 'all' ? { state } : {}) }).toString()
  return html`${adminMessages(view)}
<form method="get" action="${list}" role="search" class="console-search">
<div class="field">
<label for="users-search">Search by username, name or e-mail</label>
<input id="users-search" name="q" type="search" value="${view.search}" maxlength="200">
</div>
<div class="field console-state">
<label for="users-state">State</label>
<select id="users-state" name="state">${STATE_FILTERS.map(([value, label]) => html`<option value="${value}"${value === state ? html` selected` : html``}>${label}</option>`)}</select>
</div>
<button type="submit" class="secondary">Search</button>
</form>
${view.users.length === 0
    ? html`<p class="note">${view.search || state !== 'all' ? 'No user matches this search.' : 'No users yet.'}</p>`
    : html`<table class="console-table">
<caption>${state === 'all' ? 'Users' : state === 'active' ? 'Active users' : 'Disabled users'}${view.search ? html` matching “${view.search}”` : html``}</caption>
<thead><tr><th scope="col">Username</th><th scope="col">State</th><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Second factor</th></tr></thead>
<tbody>
${view.users.map((user) => html`<tr><th scope="row"><a href="${view.base}${ADMIN_USER_PATHS.user(user.id)}">${user.username}</a></th><td>${user.disabled ? html`<span class="badge">disabled</span>` : 'active'}</td><td>${user.name ?? '—'}</td><td>${user.email ?? '—'}${user.email && !user.emailVerified ? html` <span class="badge">unverified</span>` : html``}</td><td>${user.mfaEnrolled ? 'enrolled' : 'none'}${user.requireMfa ? html` <span class="badge">required</span>` : html``}</td></tr>
`)}</tbody>
</table>`}
${view.paged || view.next
    ? html`<nav class="console-pager" aria-label="Pages of users">${view.paged ? html`<a href="${list}${first !== '' ? `?${first}` : ''}">First page</a>` : html``}${view.paged && view.next ? ' · ' : ''}${view.next ? html`<a href="${list}?${view.next}" rel="next">Next page</a>` : html``}</nav>`
    : html``}
<section aria-labelledby="create-user-title">
<h2 id="create-user-title">Create a user</h2>
<form method="post" action="${list}">
${hiddenFields({}, view.csrfToken)}
<div class="field"><label for="create-username">Username</label><input id="create-username" name="username" type="text" value="${create.username}" required maxlength="128" autocomplete="off"></div>
<div class="field"><label for="create-password">Initial password (at least 8 characters)</label><input id="create-password" name="password" type="password" required minlength="8" maxlength="256" autocomplete="new-password"></div>
<div class="field"><label for="create-name">Name (optional)</label><input id="create-name" name="name" type="text" value="${create.name}" maxlength="200" autocomplete="off"></div>
<div class="field"><label for="create-email">E-mail (optional)</label><input id="create-email" name="email" type="email" value="${create.email}" maxlength="254" autocomplete="off"></div>
<button type="submit">Create user</button>
</form>
</section>`
}

function formValues(user: AdminUserSummary): AdminUserFormValues {
  return {
    name: user.name ?? '', givenName: user.givenName ?? '', familyName: user.familyName ?? '', email: user.email ?? '', picture: user.picture ?? '',
    emailVerified: user.emailVerified, requireMfa: user.requireMfa,
  }
}

function textField(id: string, name: string, label: string, value: string, type: 'text' | 'email' | 'url' = 'text'): SafeHtml {
  return html`<div class="field"><label for="${id}">${label}</label><input id="${id}" name="${name}" type="${type}" value="${value}" autocomplete="off"></div>`
}

function checkbox(id: string, name: string, label: string, checked: boolean): SafeHtml {
  return html`<div class="field console-check"><input id="${id}" name="${name}" type="checkbox" value="true"${checked ? html` checked` : html``}><label for="${id}">${label}</label></div>`
}

function sessionsSection(view: AdminUserView): SafeHtml {
  const id = view.user.id
  const sessions = view.sessions
  return html`<section aria-labelledby="sessions-title">
<h2 id="sessions-title">Sessions</h2>
${sessions === undefined ? html`<p class="alert" role="alert">${view.sessionsError ?? 'The sessions could not be read.'}</p>` : html``}
${sessions?.length === 0 ? html`<p class="note">No live session.</p>` : html``}
${sessions !== undefined && sessions.length > 0
    ? html`<table class="console-table">
<caption>Live sessions of ${view.user.username}</caption>
<thead><tr><th scope="col">Session</th><th scope="col">Signed in</th><th scope="col">Created</th><th scope="col">Last seen</th><th scope="col">Client</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>
${sessions.map((session) => html`<tr><th scope="row"><code>${session.sid}</code>${session.userAgent ? html`<span class="detail">${session.userAgent}</span>` : html``}</th><td>${adminTime(session.authTime)}</td><td>${adminTime(session.createdAt)}</td><td>${adminTime(session.lastSeenAt)}</td><td>${session.clientId ?? '—'}</td><td>${adminTime(session.expiresAt)}</td><td><a href="${view.base}${ADMIN_USER_PATHS.revokeSession(id, session.sid)}">Revoke<span class="visually-hidden"> session ${session.sid}</span></a></td></tr>
`)}</tbody>
</table>
<p class="links"><a href="${view.base}${ADMIN_USER_PATHS.revokeSessions(id)}">Revoke all sessions</a></p>`
    : html``}
</section>`
}

function consentsSection(view: AdminUserView): SafeHtml {
  const id = view.user.id
  const consents = view.consents
  return html`<section aria-labelledby="consents-title">
<h2 id="consents-title">Consents and grants</h2>
${consents === undefined ? html`<p class="alert" role="alert">${view.consentsError ?? 'The consents could not be read.'}</p>` : html``}
${consents?.length === 0 ? html`<p class="note">No consent given.</p>` : html``}
${consents !== undefined && consents.length > 0
    ? html`<table class="console-table">
<caption>Clients ${view.user.username} consented to</caption>
<thead><tr><th scope="col">Client</th><th scope="col">Scopes</th><th scope="col">Given</th><th scope="col">Updated</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>
${consents.map((consent) => html`<tr><th scope="row"><code>${consent.clientId}</code></th><td>${consent.scopes.join(' ')}</td><td>${adminTime(consent.createdAt)}</td><td>${adminTime(consent.updatedAt)}</td><td><a href="${view.base}${ADMIN_USER_PATHS.revokeConsent(id, consent.clientId)}">Revoke<span class="visually-hidden"> consent to ${consent.clientId}</span></a></td></tr>
`)}</tbody>
</table>`
    : html``}
<p class="links"><a href="${view.base}${ADMIN_USER_PATHS.revokeGrants(id)}">Revoke every grant (refresh and access tokens)</a></p>
</section>`
}

/**
 * One user: profile, second factor, the edit form (carrying the ETag for If-Match), sessions, consents and
 * links to the confirmation pages of the destructive actions.
 *
 * @example renderAdminUserPage({ base: '/admin', csrfToken, user, etag, sessions: [], consents: [] })
 */
export function renderAdminUserPage(view: AdminUserView): SafeHtml {
  const { user } = view
  const values = view.form ?? formValues(user)
  const self = `${view.base}${ADMIN_USER_PATHS.user(user.id)}`
  return html`${adminMessages(view)}
<section aria-labelledby="profile-title">
<h2 id="profile-title">Profile</h2>
<dl class="console-facts">
<dt>Username</dt><dd>${user.username}</dd>
<dt>User id (sub)</dt><dd><code>${user.id}</code></dd>
<dt>Name</dt><dd>${user.name ?? '—'}</dd>
<dt>E-mail</dt><dd>${user.email ?? '—'}${user.email ? html` <span class="badge">${user.emailVerified ? 'verified' : 'unverified'}</span>` : html``}</dd>
<dt>Picture</dt><dd>${externalLink(user.picture)}</dd>
<dt>State</dt><dd>${user.disabled ? html`<span class="badge">disabled</span> signs in nowhere` : 'active'}</dd>
<dt>Created</dt><dd>${adminTime(user.createdAt)}</dd>
<dt>Updated</dt><dd>${adminTime(user.updatedAt)}</dd>
</dl>
</section>
<section aria-labelledby="mfa-title">
<h2 id="mfa-title">Second factor</h2>
<dl class="console-facts">
<dt>Enrolled</dt><dd>${yesNo(user.mfaEnrolled)}</dd>
<dt>Required at sign-in</dt><dd>${yesNo(user.requireMfa)}</dd>
</dl>
${user.mfaEnrolled ? html`<p class="links"><a href="${view.base}${ADMIN_USER_PATHS.resetMfa(user.id)}">Reset the second factor</a></p>` : html``}
</section>
<section aria-labelledby="edit-title">
<h2 id="edit-title">Edit</h2>
<form method="post" action="${self}">
${hiddenFields({ etag: view.etag }, view.csrfToken)}
${textField('edit-name', 'name', 'Name', values.name)}
${textField('edit-given-name', 'given_name', 'Given name', values.givenName)}
${textField('edit-family-name', 'family_name', 'Family name', values.familyName)}
${textField('edit-email', 'email', 'E-mail', values.email, 'email')}
${checkbox('edit-email-verified', 'email_verified', 'E-mail verified', values.emailVerified)}
${textField('edit-picture', 'picture', 'Picture URL', values.picture, 'url')}
${checkbox('edit-require-mfa', 'require_mfa', 'Require a second factor at sign-in', values.requireMfa)}
<div class="field"><label for="edit-password">New password (leave empty to keep the current one; a new one ends the user's sessions)</label><input id="edit-password" name="password" type="password" autocomplete="new-password" minlength="8" maxlength="256"></div>
<button type="submit">Save changes</button>
</form>
</section>
<section aria-labelledby="access-title">
<h2 id="access-title">Sign-in</h2>
<p class="links">${user.disabled
    ? html`<a href="${view.base}${ADMIN_USER_PATHS.enable(user.id)}">Enable this user</a>`
    : html`<a href="${view.base}${ADMIN_USER_PATHS.disable(user.id)}">Disable this user</a>`} · <a href="${view.base}${ADMIN_USER_PATHS.passwordReset(user.id)}">Send a password-reset mail</a></p>
</section>
${sessionsSection(view)}
${consentsSection(view)}
<section aria-labelledby="delete-title">
<h2 id="delete-title">Delete</h2>
<p class="links"><a href="${view.base}${ADMIN_USER_PATHS.remove(user.id)}">Delete this user</a></p>
</section>`
}

/**
 * The confirmation of a destructive action: the GET page holding the POST form, so nothing changes
 * without a deliberate click and the console needs no script.
 *
 * @example renderAdminConfirmPage({ base: '/admin', csrfToken, action: '/users/u1/mfa/reset', question: 'Reset?', submitLabel: 'Reset', cancel: '/users/u1' })
 */
export function renderAdminConfirmPage(view: AdminConfirmView): SafeHtml {
  return html`<p class="lead">${view.question}</p>
${view.subject ? html`<p class="account">${view.subject}</p>` : html``}
${view.note ? html`<p class="notice" role="note">${view.note}</p>` : html``}
<form method="post" action="${view.base}${view.action}">
${hiddenFields(view.hidden ?? {}, view.csrfToken)}
<div class="actions">
<a href="${view.base}${view.cancel}">Cancel</a>
<button type="submit"${view.destructive === false ? html`` : html` class="danger"`}>${view.submitLabel}</button>
</div>
</form>`
}

/** A page saying why an action or a read failed, with a way back. */
export function renderAdminProblemPage(view: AdminMessages & { base: string; back: string; backLabel: string }): SafeHtml {
  return html`${adminMessages(view)}
<p class="links"><a href="${view.base}${view.back}">${view.backLabel}</a></p>`
}

/**
 * Styles the users and keys pages add to the console's own (tables, facts, `button.danger` and
 * `.visually-hidden` come from the frame's stylesheet): checkboxes beside their label, the search row, the
 * pager and the search and URL inputs, as a block of its own for the console's stylesheet.
 */
export const ADMIN_USER_STYLES = `
.console-check { display: flex; align-items: center; gap: 0.5rem; }
.console-check label { margin: 0; }
.console-check input { width: 1.25rem; height: 1.25rem; }
.console-pager { margin: 1rem 0 0; }
.console-search { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 0.75rem; }
.console-search .field { flex: 1 1 16rem; margin: 0; }
.console-search .console-state { flex: 0 1 10rem; }
input[type="search"], input[type="url"] { display: block; width: 100%; min-height: 2.75rem; padding: 0.5rem 0.75rem; font: inherit; color: var(--text); background: var(--card); border: 1px solid var(--control); border-radius: 0.5rem; }
.actions a { align-self: center; }
`
