import { describe, expect, it } from 'vitest'
import {
  renderAdminConfirmPage,
  renderAdminProblemPage,
  renderAdminUserPage,
  renderAdminUsersPage,
  type AdminUserSummary,
} from '../../src/ui/index.js'
import { ATTRIBUTE_BREAKOUT, XSS, startTags, tags } from './fixtures.js'

// The users pages of the admin console as pure views: hostile text from the store (user names, e-mails,
// session user agents, client ids) rendered inert, every POST form with the CSRF token, and the markup
// the frame's stylesheet and axe expect (labels, table headers, no inline style or script).

const CSRF = ATTRIBUTE_BREAKOUT
const ESCAPED_CSRF = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'

const hostileUser: AdminUserSummary = {
  id: 'u-1', username: ATTRIBUTE_BREAKOUT, name: XSS, givenName: XSS, familyName: ATTRIBUTE_BREAKOUT,
  email: `"><script>@example.com`, emailVerified: false, picture: 'javascript:alert(1)',
  mfaEnrolled: true, requireMfa: true, disabled: true, createdAt: 1_700_000_000, updatedAt: 1_700_000_100,
}

const pages = {
  list: () => renderAdminUsersPage({ base: '/admin', csrfToken: CSRF, search: XSS, users: [hostileUser], paged: true, next: 'q=x&cursor=abc', notice: XSS, error: XSS, errors: [ATTRIBUTE_BREAKOUT], create: { username: ATTRIBUTE_BREAKOUT, name: XSS, email: XSS } }).__html,
  user: () => renderAdminUserPage({
    base: '/admin', csrfToken: CSRF, user: hostileUser, etag: ATTRIBUTE_BREAKOUT,
    sessions: [{ sid: XSS, authTime: 1_700_000_000, createdAt: 1_700_000_000, expiresAt: 1_700_086_400, userAgent: `${XSS} Mozilla/5.0 javascript:alert(1)`, clientId: XSS, lastSeenAt: 1_700_000_500 }],
    consents: [{ clientId: XSS, scopes: ['openid', XSS], createdAt: 1_700_000_000, updatedAt: 1_700_000_000 }],
  }).__html,
  'filtered list': () => renderAdminUsersPage({ base: '/admin', csrfToken: CSRF, search: ATTRIBUTE_BREAKOUT, state: 'disabled', users: [hostileUser, { ...hostileUser, id: 'u-2', disabled: false }], paged: true, next: 'q=x&state=disabled&cursor=abc' }).__html,
  'active user': () => renderAdminUserPage({ base: '/admin', csrfToken: CSRF, user: { ...hostileUser, disabled: false }, etag: ATTRIBUTE_BREAKOUT, sessions: [], consents: [], notice: XSS }).__html,
  'disable confirmation': () => renderAdminConfirmPage({ base: '/admin', csrfToken: CSRF, action: '/users/u-1/disable', question: XSS, subject: ATTRIBUTE_BREAKOUT, submitLabel: 'Disable the user', cancel: '/users/u-1', hidden: { etag: ATTRIBUTE_BREAKOUT } }).__html,
  'password-reset confirmation': () => renderAdminConfirmPage({ base: '/admin', csrfToken: CSRF, action: '/users/u-1/password-reset', question: XSS, subject: `${ATTRIBUTE_BREAKOUT} (${XSS})`, submitLabel: 'Send the mail', cancel: '/users/u-1', destructive: false }).__html,
  confirm: () => renderAdminConfirmPage({ base: '/admin', csrfToken: CSRF, action: '/users/u-1/delete', question: XSS, subject: ATTRIBUTE_BREAKOUT, submitLabel: 'Delete the user', cancel: '/users/u-1', note: XSS }).__html,
  problem: () => renderAdminProblemPage({ base: '/admin', back: '/users', backLabel: 'Back', error: XSS, errors: [XSS] }).__html,
}

describe.each(Object.entries(pages))('the %s view', (_name, render) => {
  const page = render()

  it('AC-08 renders user names, e-mails, session user agents and client ids escaped: no script, no handler, no javascript: link', () => {
    expect(page).not.toContain(XSS)
    expect(page).not.toContain(ATTRIBUTE_BREAKOUT)
    expect(page).not.toMatch(/<script|<img/i)
    for (const tag of startTags(page)) {
      expect(tag).not.toMatch(/\son[a-z]+=/i)
      expect(tag).not.toMatch(/javascript:/i)
    }
    for (const link of tags(page, 'a')) expect(link.href).toMatch(/^\/admin\/|^https?:\/\//)
  })

  it('AC-08 every POST form carries the CSRF token; no inline style or script for the CSP', () => {
    const forms = tags(page, 'form')
    const hidden = tags(page, 'input').filter((input) => input.type === 'hidden' && input.name === 'csrf_token')
    expect(hidden).toHaveLength(forms.filter((form) => form.method === 'post').length)
    for (const input of hidden) expect(input.value).toBe(ESCAPED_CSRF)
    for (const form of forms.filter((entry) => entry.method === 'post')) expect(form.action).toMatch(/^\/admin\//)
    expect(page).not.toMatch(/\sstyle=/i)
    expect(page).not.toMatch(/<style/i)
  })

  it('labels every visible input, heads every table, and leaves the <h1> to the frame', () => {
    const ids = new Set(tags(page, 'label').map((label) => label.for))
    for (const input of tags(page, 'input').filter((entry) => entry.type !== 'hidden')) expect(ids.has(input.id ?? '')).toBe(true)
    expect(page.match(/<thead><tr><th scope="col">/g)?.length ?? 0).toBe(page.match(/<table/g)?.length ?? 0)
    expect(page).not.toMatch(/<h1/)
  })
})

describe('users views', () => {
  it('AC-08 shows a picture URL as a link only when it is http(s)', () => {
    expect(pages.user()).toContain('<span class="detail">javascript:alert(1)</span>')
    const https = renderAdminUserPage({ base: '/admin', csrfToken: 'c', user: { ...hostileUser, picture: 'https://cdn.example/p.png' }, etag: '"e"', sessions: [], consents: [] }).__html
    expect(https).toContain('<a href="https://cdn.example/p.png" rel="noopener noreferrer nofollow">')
  })

  it('carries the ETag in the edit form, links each session and consent to its confirmation, and lists the session details', () => {
    const page = pages.user()
    expect(tags(page, 'input')).toContainEqual({ type: 'hidden', name: 'etag', value: ESCAPED_CSRF })
    expect(page).toContain(`href="/admin/users/u-1/sessions/${encodeURIComponent(XSS)}/revoke"`)
    expect(page).toContain(`href="/admin/users/u-1/consents/${encodeURIComponent(XSS)}/revoke"`)
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt; Mozilla/5.0 javascript:alert(1)')
    expect(page).toContain('<time datetime="2023-11-14T22:13:20.000Z">2023-11-14 22:13 UTC</time>')
    expect(page).toContain('href="/admin/users/u-1/mfa/reset"')
    expect(tags(page, 'input').find((input) => input.name === 'require_mfa')).toHaveProperty('checked')
  })

  it('says so when sessions or consents could not be read, and when there are none', () => {
    const failed = renderAdminUserPage({ base: '/admin', csrfToken: 'c', user: hostileUser, etag: '"e"', sessions: undefined, sessionsError: 'No luck', consents: [] }).__html
    expect(failed).toContain('<p class="alert" role="alert">No luck</p>')
    expect(failed).toContain('No consent given.')
  })

  it('pages the list with the API cursor and never puts the CSRF token in a GET form', () => {
    const page = pages.list()
    expect(page).toContain('<a href="/admin/users?q=x&amp;cursor=abc" rel="next">Next page</a>')
    expect(page).toContain(`<a href="/admin/users?${new URLSearchParams({ q: XSS }).toString()}">First page</a>`)
    const search = /<form method="get"[\s\S]*?<\/form>/.exec(page)?.[0] ?? ''
    expect(search).not.toContain('csrf_token')
    expect(page).toContain('<th scope="row"><a href="/admin/users/u-1">')
    const empty = renderAdminUsersPage({ base: '/admin', csrfToken: 'c', search: '', users: [], paged: false }).__html
    expect(empty).toContain('No users yet.')
    expect(empty).not.toContain('Next page')
  })

  it('marks a disabled user on the list, keeps the state filter in the paging links, and selects the filter in use', () => {
    const page = pages['filtered list']()
    expect(page).toContain('<td><span class="badge">disabled</span></td>')
    expect(page).toContain('<a href="/admin/users/u-2">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</a></th><td>active</td>')
    expect(page).toContain('<option value="disabled" selected>Disabled</option>')
    expect(tags(page, 'select')).toEqual([expect.objectContaining({ id: 'users-state', name: 'state' })])
    expect(page).toContain(`<a href="/admin/users?${new URLSearchParams({ q: ATTRIBUTE_BREAKOUT, state: 'disabled' }).toString().replace(/&/g, '&amp;')}">First page</a>`)
    expect(page).toContain('<caption>Disabled users matching')
    const all = renderAdminUsersPage({ base: '/admin', csrfToken: 'c', search: '', users: [], paged: false }).__html
    expect(all).toContain('<option value="all" selected>All</option>')
  })

  it('links a user\'s page to Disable or Enable (whichever applies) and to the password-reset mail; the confirmations post the ETag and the CSRF token', () => {
    const active = pages['active user']()
    expect(active).toContain('href="/admin/users/u-1/disable"')
    expect(active).not.toContain('href="/admin/users/u-1/enable"')
    expect(active).toContain('href="/admin/users/u-1/password-reset"')
    expect(active).toMatch(/<dt>State<\/dt><dd>active<\/dd>/)
    const disabled = pages.user()
    expect(disabled).toContain('href="/admin/users/u-1/enable"')
    expect(disabled).not.toContain('href="/admin/users/u-1/disable"')
    const confirm = pages['disable confirmation']()
    expect(tags(confirm, 'input')).toEqual([{ type: 'hidden', name: 'etag', value: ESCAPED_CSRF }, { type: 'hidden', name: 'csrf_token', value: ESCAPED_CSRF }])
    expect(confirm).toContain('<button type="submit" class="danger">Disable the user</button>')
    expect(pages['password-reset confirmation']()).toContain('<button type="submit">Send the mail</button>')
  })

  it('shows the notice and the error with each invalid member', () => {
    const page = renderAdminUsersPage({ base: '/admin', csrfToken: 'c', search: '', users: [], paged: false, notice: 'Saved.', error: 'Refused.', errors: ['email: invalid'] }).__html
    expect(page).toContain('<div class="notice" role="status">Saved.</div>')
    expect(page).toContain('<div class="alert" role="alert">Refused.<ul><li>email: invalid</li></ul></div>')
  })
})
