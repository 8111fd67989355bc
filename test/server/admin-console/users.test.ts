import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accountSelfService } from '../../../src/server/account/index.js'
import { createUser } from '../../../src/server/admin.js'
import { USER_PAGES } from '../../../src/server/admin-console/users.js'
import type { ServerContext } from '../../../src/server/context.js'
import { NEVER, TOTP_CREDENTIAL } from '../../../src/server/mfa/records.js'
import { startAdminHarness, type AdminHarness } from '../../helpers/admin-api.js'
import { consolePages, contextCatcher, CSRF_TOKEN, pageOf, postForms } from '../../helpers/console-pages.js'
import { nextResetLink } from '../../helpers/account.js'
import { Browser } from '../../helpers/http-client.js'
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js'
import { authorize, clientPost, exchangeCode, type TestUser } from '../../helpers/tessera.js'

// The users pages against the real admin API of a real server, with the user token of an administrator
// named in adminApi({ admins }) — what the console's frame obtains at sign-in. Their routes are matched as
// the frame matches them; the frame itself (sign-in, CSRF check, layout) is tested on its own.

let harness: AdminHarness
let ctx: ServerContext
let root: TestUser
let token: string
let open: ReturnType<typeof consolePages>

const now = () => Math.floor(Date.now() / 1000)

beforeAll(async () => {
  const catcher = contextCatcher()
  harness = await startAdminHarness({ admins: ['root'], capabilities: [catcher.capability] })
  ctx = await catcher.context(harness.server.url)
  const user = await createUser(harness.server.store, { username: 'root', password: 'root-password' }, now())
  root = { id: user.id, username: 'root', password: 'root-password' }
  token = await harness.userToken(root)
  open = consolePages(USER_PAGES, harness, ctx, () => token, { sub: root.id, name: 'root' })
})
afterAll(() => harness.close())

async function newUser(username: string, extra: Record<string, unknown> = {}): Promise<TestUser> {
  const created = await harness.call('POST', '/users', { token, body: { username, password: `${username}-password`, ...extra } })
  expect(created.status).toBe(201)
  return { id: String((created.json.user as Record<string, unknown>).id), username, password: `${username}-password` }
}

async function sids(user: TestUser): Promise<string[]> {
  return ((await harness.call('GET', `/users/${user.id}/sessions`, { token })).json.items ?? []).map((item) => String(item.sid))
}

/** Signs `user` in at the `conf` client in a fresh browser; returns the browser and its session's sid. */
async function signIn(user: TestUser): Promise<{ browser: Browser; sid: string }> {
  const before = await sids(user)
  const browser = new Browser()
  await authorize(harness.server, browser, { client: harness.server.clients.conf, user, scope: 'openid' })
  const sid = (await sids(user)).find((entry) => !before.includes(entry))
  if (sid === undefined) throw new Error('no new session')
  return { browser, sid }
}

/** Whether the browser's provider session still signs it in silently (OIDC Core §3.1.2.1 prompt=none). */
async function stillSignedIn(browser: Browser): Promise<boolean> {
  const result = await authorize(harness.server, browser, { client: harness.server.clients.conf, scope: 'openid', extra: { prompt: 'none' } })
  return result.code !== undefined
}

const decode = (value: string) => value.replace(/&amp;/g, '&')

describe('users list', () => {
  it('pages with the API\'s cursors, searches, and links each user to their page', async () => {
    const made = [await newUser('paging-a'), await newUser('paging-b'), await newUser('paging-c')]
    // The API orders users by id: which two come first is the ids' business.
    const shown = (html: string) => made.filter((user) => html.includes(`<a href="/admin/users/${user.id}">${user.username}</a>`)).map((user) => user.username)
    const first = pageOf(await open({ path: '/users?q=paging-&limit=2' }))
    expect(first.status).toBe(200)
    expect(shown(first.html)).toHaveLength(2)
    expect(first.html).not.toContain('First page')
    const next = /<a href="\/admin(\/users\?[^"]*)" rel="next">/.exec(first.html)?.[1]
    expect(next).toBeDefined()
    const second = pageOf(await open({ path: decode(next!) }))
    expect([...shown(first.html), ...shown(second.html)].sort()).toEqual(['paging-a', 'paging-b', 'paging-c'])
    expect(second.html).not.toContain('rel="next"')
    expect(second.html).toContain('First page')
    const none = pageOf(await open({ path: '/users?q=nobody-has-this' }))
    expect(none.html).toContain('No user matches this search.')
  })

  it('shows a refused page size or a forged cursor as a message with status 400, never a 500', async () => {
    const oversized = pageOf(await open({ path: '/users?limit=100000' }))
    expect(oversized.status).toBe(400)
    expect(oversized.html).toMatch(/role="alert">This was refused: limit must be an integer from 1 to 200/)
    const forged = pageOf(await open({ path: '/users?cursor=bm90LWpzb24' }))
    expect(forged.status).toBe(400)
    expect(forged.html).toContain('cursor is not one this API handed out')
  })

  it('creates a user (303 to their page with a fixed notice); a taken username or a short password is a message, the password never echoed', async () => {
    const created = await open({ method: 'POST', path: '/users', form: { csrf_token: CSRF_TOKEN, username: 'fresh', password: 'fresh-password', name: 'Fresh', email: 'fresh@example.com' } })
    expect(created.kind).toBe('redirect')
    const to = created.kind === 'redirect' ? created.to : ''
    expect(to).toMatch(/^\/users\/[0-9a-f-]+\?notice=user-created$/)
    const page = pageOf(await open({ path: to }))
    expect(page.title).toBe('User fresh')
    expect(page.html).toContain('The user was created.')
    expect(page.html).toContain('fresh@example.com')

    const taken = pageOf(await open({ method: 'POST', path: '/users', form: { username: 'fresh', password: 'other-password-1' } }))
    expect(taken.status).toBe(409)
    expect(taken.html).toContain('exists already')
    const short = pageOf(await open({ method: 'POST', path: '/users', form: { username: 'shorty', password: 'short', email: 'shorty@example.com' } }))
    expect(short.status).toBe(400)
    expect(short.html).toMatch(/password: /)
    expect(short.html).toContain('value="shorty"')
    expect(short.html).not.toContain('value="short"')
  })
})

describe('one user', () => {
  it('shows the profile, second-factor state, live sessions and consents; an unknown id is a 404 message', async () => {
    const user = await newUser('frank', { email: 'frank@example.com', name: 'Frank' })
    const { sid } = await signIn(user)
    const page = pageOf(await open({ path: `/users/${user.id}` }))
    expect(page.status).toBe(200)
    expect(page.title).toBe('User frank')
    expect(page.html).toContain('frank@example.com')
    expect(page.html).toMatch(/<dt>Enrolled<\/dt><dd>no<\/dd>/)
    expect(page.html).toContain(`<code>${sid}</code>`)
    expect(page.html).toContain(`href="/admin/users/${user.id}/sessions/${sid}/revoke"`)
    expect(page.html).toContain('<code>conf</code>')
    expect(page.html).toContain(`href="/admin/users/${user.id}/consents/conf/revoke"`)
    const missing = pageOf(await open({ path: '/users/no-such-user' }))
    expect(missing.status).toBe(404)
    expect(missing.html).toContain('No user with this id')
  })

  it('edits with the ETag of the page: saved with a notice; a stale tag says someone else changed it and keeps their change', async () => {
    const user = await newUser('gina')
    const page = pageOf(await open({ path: `/users/${user.id}` }))
    const form = postForms(page.html).find((entry) => entry.action === `/admin/users/${user.id}`)
    expect(form?.hidden).toEqual({ etag: expect.stringMatching(/^"[A-Za-z0-9_-]+"$/), csrf_token: CSRF_TOKEN })
    const saved = await open({ method: 'POST', path: `/users/${user.id}`, form: { ...form!.hidden, name: 'Gina', email: 'gina@example.com', email_verified: 'true', require_mfa: 'true' } })
    expect(saved).toEqual({ kind: 'redirect', to: `/users/${user.id}?notice=user-updated` })
    expect(await harness.server.store.users.get(user.id)).toMatchObject({ name: 'Gina', email: 'gina@example.com', email_verified: true })
    expect(pageOf(await open({ path: `/users/${user.id}?notice=user-updated` })).html).toContain('The changes were saved.')

    // The same form again: its tag is stale now.
    const stale = pageOf(await open({ method: 'POST', path: `/users/${user.id}`, form: { ...form!.hidden, name: 'Overwritten' } }))
    expect(stale.status).toBe(409)
    expect(stale.html).toContain('This user was changed by someone else since you opened the page: reload it')
    expect(stale.html).toContain('value="Gina"')
    expect((await harness.server.store.users.get(user.id))?.name).toBe('Gina')
  })

  it('refuses an invalid change with the member named, keeping the typed values and the tag read before', async () => {
    const user = await newUser('hank')
    const page = pageOf(await open({ path: `/users/${user.id}` }))
    const form = postForms(page.html).find((entry) => entry.action === `/admin/users/${user.id}`)!
    const refused = pageOf(await open({ method: 'POST', path: `/users/${user.id}`, form: { ...form.hidden, name: 'Hank', email: 'not-an-address' } }))
    expect(refused.status).toBe(400)
    expect(refused.html).toContain('email: ')
    expect(refused.html).toContain('value="not-an-address"')
    expect(postForms(refused.html).find((entry) => entry.action === `/admin/users/${user.id}`)?.hidden.etag).toBe(form.hidden.etag)
    expect((await harness.server.store.users.get(user.id))?.name).toBeNull()
  })

  it('deletes after a confirmation page; the user is gone and a second delete is a 404 message', async () => {
    const user = await newUser('ivan')
    const confirm = pageOf(await open({ path: `/users/${user.id}/delete` }))
    expect(postForms(confirm.html)).toEqual([{ action: `/admin/users/${user.id}/delete`, hidden: { csrf_token: CSRF_TOKEN } }])
    expect(await open({ method: 'POST', path: `/users/${user.id}/delete`, form: { csrf_token: CSRF_TOKEN } })).toEqual({ kind: 'redirect', to: '/users?notice=user-deleted' })
    expect(await harness.server.store.users.get(user.id)).toBeUndefined()
    const again = pageOf(await open({ method: 'POST', path: `/users/${user.id}/delete`, form: { csrf_token: CSRF_TOKEN } }))
    expect(again.status).toBe(404)
    expect(again.html).toContain('No user with this id')
  })
})

describe('sessions', () => {
  it('revokes one session: the confirmation holds the POST form, that browser is signed out, the other is not, and the audit names the admin', async () => {
    const user = await newUser('judy')
    const first = await signIn(user)
    const second = await signIn(user)
    const confirm = pageOf(await open({ path: `/users/${user.id}/sessions/${first.sid}/revoke` }))
    expect(confirm.title).toBe('Revoke a session')
    expect(confirm.html).toContain(`Session ${first.sid} of judy`)
    expect(postForms(confirm.html)).toEqual([{ action: `/admin/users/${user.id}/sessions/${first.sid}/revoke`, hidden: { csrf_token: CSRF_TOKEN } }])
    const done = await open({ method: 'POST', path: `/users/${user.id}/sessions/${first.sid}/revoke`, form: { csrf_token: CSRF_TOKEN } })
    expect(done).toEqual({ kind: 'redirect', to: `/users/${user.id}?notice=session-revoked` })
    expect(await sids(user)).toEqual([second.sid])
    expect(await stillSignedIn(first.browser)).toBe(false)
    expect(await stillSignedIn(second.browser)).toBe(true)
    const after = pageOf(await open({ path: `/users/${user.id}?notice=session-revoked` }))
    expect(after.html).toContain('The session was revoked')
    expect(after.html).not.toContain(first.sid)

    await harness.server.standalone.server.audit.flush()
    const audit = await harness.call('GET', `/audit?type=admin.session_revoked&user=${user.id}`, { token })
    expect(audit.json.items).toEqual([expect.objectContaining({ details: expect.objectContaining({ sid: first.sid, actor: 'admin', actor_sub: root.id, actor_client_id: 'console' }) })])

    const again = pageOf(await open({ method: 'POST', path: `/users/${user.id}/sessions/${first.sid}/revoke`, form: { csrf_token: CSRF_TOKEN } }))
    expect(again.status).toBe(404)
    expect(again.html).toContain('No session of this user with this id')
    expect(again.html).toContain(`href="/admin/users/${user.id}"`)
  })

  it('revokes every session after a confirmation', async () => {
    const user = await newUser('karl')
    const sessions = [await signIn(user), await signIn(user)]
    expect(postForms(pageOf(await open({ path: `/users/${user.id}/sessions/revoke` })).html)[0]?.action).toBe(`/admin/users/${user.id}/sessions/revoke`)
    expect(await open({ method: 'POST', path: `/users/${user.id}/sessions/revoke`, form: { csrf_token: CSRF_TOKEN } })).toEqual({ kind: 'redirect', to: `/users/${user.id}?notice=sessions-revoked` })
    expect(await sids(user)).toEqual([])
    for (const session of sessions) expect(await stillSignedIn(session.browser)).toBe(false)
  })
})

describe('consents, grants and the second factor', () => {
  it('revokes a consent with its grants: the refresh token dies; a second revoke is a 404 message', async () => {
    const user = await newUser('lena')
    const browser = new Browser()
    const result = await authorize(harness.server, browser, { client: harness.server.clients.conf, user, scope: 'openid offline_access' })
    const tokens = (await (await exchangeCode(harness.server, harness.server.clients.conf, result)).json()) as { refresh_token: string }
    const confirm = pageOf(await open({ path: `/users/${user.id}/consents/conf/revoke` }))
    expect(confirm.html).toContain('Consent of lena to the client conf')
    expect(await open({ method: 'POST', path: `/users/${user.id}/consents/conf/revoke`, form: { csrf_token: CSRF_TOKEN } })).toEqual({ kind: 'redirect', to: `/users/${user.id}?notice=consent-revoked` })
    expect((await harness.call('GET', `/users/${user.id}/consents`, { token })).json.items).toEqual([])
    const refreshed = await clientPost(harness.server, '/token', harness.server.clients.conf, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
    expect(refreshed.status).toBe(400)
    const page = pageOf(await open({ path: `/users/${user.id}?notice=consent-revoked` }))
    expect(page.html).toContain('The consent was revoked')
    expect(page.html).toContain('No consent given.')
    const again = pageOf(await open({ method: 'POST', path: `/users/${user.id}/consents/conf/revoke`, form: { csrf_token: CSRF_TOKEN } }))
    expect(again.status).toBe(404)
    expect(again.html).toContain('No consent or grant of this user with this id')
  })

  it('revokes every grant after a confirmation', async () => {
    const user = await newUser('mona')
    await authorize(harness.server, new Browser(), { client: harness.server.clients.conf, user, scope: 'openid' })
    expect(pageOf(await open({ path: `/users/${user.id}/grants/revoke` })).html).toContain('Every grant of mona')
    expect(await open({ method: 'POST', path: `/users/${user.id}/grants/revoke`, form: { csrf_token: CSRF_TOKEN } })).toEqual({ kind: 'redirect', to: `/users/${user.id}?notice=grants-revoked` })
    await harness.server.standalone.server.audit.flush()
    const audit = await harness.call('GET', `/audit?type=admin.grants_revoked&user=${user.id}`, { token })
    expect(audit.json.items).toHaveLength(1)
  })

  it('resets the second factor after a confirmation: the user has none enrolled afterwards', async () => {
    const user = await newUser('nora')
    // An enrolled key as enrolment leaves it; the reset only needs it to exist.
    await harness.server.store.records.put(TOTP_CREDENTIAL, { key: user.id, value: { secret_sealed: 'sealed', created_at: now() }, expiresAt: NEVER, subject: user.id })
    const page = pageOf(await open({ path: `/users/${user.id}` }))
    expect(page.html).toMatch(/<dt>Enrolled<\/dt><dd>yes<\/dd>/)
    expect(page.html).toContain(`href="/admin/users/${user.id}/mfa/reset"`)
    expect(postForms(pageOf(await open({ path: `/users/${user.id}/mfa/reset` })).html)[0]?.action).toBe(`/admin/users/${user.id}/mfa/reset`)
    expect(await open({ method: 'POST', path: `/users/${user.id}/mfa/reset`, form: { csrf_token: CSRF_TOKEN } })).toEqual({ kind: 'redirect', to: `/users/${user.id}?notice=mfa-reset` })
    const after = pageOf(await open({ path: `/users/${user.id}?notice=mfa-reset` }))
    expect(after.html).toContain('The second factor was reset')
    expect(after.html).toMatch(/<dt>Enrolled<\/dt><dd>no<\/dd>/)
    const gone = pageOf(await open({ method: 'POST', path: '/users/no-such-user/mfa/reset', form: { csrf_token: CSRF_TOKEN } }))
    expect(gone.status).toBe(404)
  })
})

describe('disable, enable and the password-reset mail', () => {
  it('disables after a confirmation sending the page\'s ETag: the session ends, the refresh token dies, the next sign-in is refused; enabled, they sign in again', async () => {
    const user = await newUser('petra', { email: 'petra@example.com' })
    const browser = new Browser()
    const result = await authorize(harness.server, browser, { client: harness.server.clients.conf, user, scope: 'openid offline_access' })
    const tokens = (await (await exchangeCode(harness.server, harness.server.clients.conf, result)).json()) as { refresh_token: string }
    expect(await sids(user)).toHaveLength(1)
    const page = pageOf(await open({ path: `/users/${user.id}` }))
    expect(page.html).toMatch(/<dt>State<\/dt><dd>active<\/dd>/)
    expect(page.html).toContain(`href="/admin/users/${user.id}/disable"`)
    expect(page.html).not.toContain(`href="/admin/users/${user.id}/enable"`)

    const confirm = pageOf(await open({ path: `/users/${user.id}/disable` }))
    expect(confirm.title).toBe('Disable a user')
    expect(confirm.html).toContain('every session of theirs ends now')
    expect(confirm.html).toContain('every grant is revoked')
    expect(confirm.html).toContain('petra (petra@example.com)')
    const etag = (await harness.call('GET', `/users/${user.id}`, { token })).headers.get('etag')
    expect(postForms(confirm.html)).toEqual([{ action: `/admin/users/${user.id}/disable`, hidden: { etag, csrf_token: CSRF_TOKEN } }])
    const done = await open({ method: 'POST', path: `/users/${user.id}/disable`, form: postForms(confirm.html)[0]!.hidden })
    expect(done).toEqual({ kind: 'redirect', to: `/users/${user.id}?notice=user-disabled` })
    expect((await harness.server.store.users.get(user.id))?.disabled).toBe(true)
    expect(await sids(user)).toEqual([])
    expect(await stillSignedIn(browser)).toBe(false)
    const refreshed = await clientPost(harness.server, '/token', harness.server.clients.conf, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
    expect(refreshed.status).toBe(400)
    // The right password: the login page answers 403 "cannot sign in", and no session starts.
    await expect(authorize(harness.server, new Browser(), { client: harness.server.clients.conf, user, scope: 'openid' })).rejects.toThrow(/unexpected 403/)
    expect(await sids(user)).toEqual([])

    const after = pageOf(await open({ path: `/users/${user.id}?notice=user-disabled` }))
    expect(after.html).toContain('The user was disabled: their sessions ended, their grants were revoked')
    expect(after.html).toMatch(/<dt>State<\/dt><dd><span class="badge">disabled<\/span>/)
    expect(after.html).toContain(`href="/admin/users/${user.id}/enable"`)
    expect(after.html).not.toContain(`href="/admin/users/${user.id}/disable"`)

    const enable = pageOf(await open({ path: `/users/${user.id}/enable` }))
    expect(enable.title).toBe('Enable a user')
    expect(enable.html).toContain('<button type="submit">Enable the user</button>')
    const enabled = await open({ method: 'POST', path: `/users/${user.id}/enable`, form: postForms(enable.html)[0]!.hidden })
    expect(enabled).toEqual({ kind: 'redirect', to: `/users/${user.id}?notice=user-enabled` })
    expect(pageOf(await open({ path: `/users/${user.id}?notice=user-enabled` })).html).toContain('The user was enabled: they can sign in again.')
    const again = await authorize(harness.server, new Browser(), { client: harness.server.clients.conf, user, scope: 'openid' })
    expect(again.code).toEqual(expect.any(String))
  })

  it('shows each user\'s state on the list and filters all / active / disabled with the API\'s disabled query, kept across pages', async () => {
    const active = await newUser('state-active')
    const activeToo = await newUser('state-active-too')
    const disabled = await newUser('state-disabled')
    const etag = (await harness.call('GET', `/users/${disabled.id}`, { token })).headers.get('etag') ?? ''
    expect((await harness.call('PATCH', `/users/${disabled.id}`, { token, body: { disabled: true }, headers: { 'if-match': etag } })).status).toBe(200)
    const row = (html: string, user: TestUser) => new RegExp(`<a href="/admin/users/${user.id}">${user.username}</a></th><td>([^]*?)</td>`).exec(html)?.[1]

    const all = pageOf(await open({ path: '/users?q=state-' }))
    expect(row(all.html, active)).toBe('active')
    expect(row(all.html, disabled)).toBe('<span class="badge">disabled</span>')
    expect(all.html).toContain('<option value="all" selected>All</option>')
    const onlyDisabled = pageOf(await open({ path: '/users?q=state-&state=disabled' }))
    expect(row(onlyDisabled.html, disabled)).toBeDefined()
    expect(row(onlyDisabled.html, active)).toBeUndefined()
    expect(onlyDisabled.html).toContain('<option value="disabled" selected>Disabled</option>')
    expect(onlyDisabled.html).toContain('<caption>Disabled users matching')
    const onlyActive = pageOf(await open({ path: '/users?q=state-&state=active' }))
    expect(row(onlyActive.html, active)).toBeDefined()
    expect(row(onlyActive.html, disabled)).toBeUndefined()
    // An unknown state is no filter (never passed on to the API).
    expect(row(pageOf(await open({ path: '/users?q=state-&state=maybe' })).html, disabled)).toBeDefined()

    const first = pageOf(await open({ path: '/users?q=state-&state=active&limit=1' }))
    const next = /<a href="\/admin(\/users\?[^"]*)" rel="next">/.exec(first.html)?.[1]
    expect(next).toBeDefined()
    expect(new URLSearchParams(decode(next!).split('?')[1]).get('state')).toBe('active')
    const second = pageOf(await open({ path: decode(next!) }))
    expect([row(first.html, active), row(second.html, active), row(first.html, activeToo), row(second.html, activeToo)].filter((state) => state === 'active')).toHaveLength(2)
    expect(row(second.html, disabled)).toBeUndefined()
    expect(second.html).toContain('<a href="/admin/users?q=state-&amp;state=active">First page</a>')
  })

  it('a stale ETag on the disable form says someone else changed the user, and nothing is disabled', async () => {
    const user = await newUser('quinn')
    const form = postForms(pageOf(await open({ path: `/users/${user.id}/disable` })).html)[0]!
    const etag = (await harness.call('GET', `/users/${user.id}`, { token })).headers.get('etag') ?? ''
    expect((await harness.call('PATCH', `/users/${user.id}`, { token, body: { name: 'Quinn' }, headers: { 'if-match': etag } })).status).toBe(200)
    const stale = pageOf(await open({ method: 'POST', path: `/users/${user.id}/disable`, form: form.hidden }))
    expect(stale.status).toBe(409)
    expect(stale.html).toContain('This user was changed by someone else since you opened the page: reload it')
    expect(stale.html).toContain('value="Quinn"')
    expect((await harness.server.store.users.get(user.id))?.disabled).toBe(false)
    const untagged = pageOf(await open({ method: 'POST', path: `/users/${user.id}/disable`, form: { csrf_token: CSRF_TOKEN } }))
    expect(untagged.status).toBe(409)
    expect((await harness.server.store.users.get(user.id))?.disabled).toBe(false)
  })

  it('on a server that sends no mail, the password-reset confirmation answers with the API\'s 409 message', async () => {
    const user = await newUser('rosa', { email: 'rosa@example.com', email_verified: true })
    const confirm = pageOf(await open({ path: `/users/${user.id}/password-reset` }))
    expect(confirm.title).toBe('Send a password-reset mail')
    expect(confirm.html).toContain('<button type="submit">Send the mail</button>')
    expect(postForms(confirm.html)).toEqual([{ action: `/admin/users/${user.id}/password-reset`, hidden: { csrf_token: CSRF_TOKEN } }])
    const refused = pageOf(await open({ method: 'POST', path: `/users/${user.id}/password-reset`, form: { csrf_token: CSRF_TOKEN } }))
    expect(refused.status).toBe(409)
    expect(refused.html).toMatch(/role="alert">No mail was sent\. This server sends no mail: /)
    expect(refused.html).toContain(`href="/admin/users/${user.id}"`)
  })
})

describe('the password-reset mail on a server that sends mail', () => {
  let sink: SmtpSink
  let mailing: AdminHarness
  let send: ReturnType<typeof consolePages>
  let mailToken: string

  beforeAll(async () => {
    sink = await startSmtpSink()
    const catcher = contextCatcher()
    mailing = await startAdminHarness({ admins: ['root'], capabilities: [catcher.capability, accountSelfService({ mail: { url: sink.url, from: 'Tessera <no-reply@example.test>' } })] })
    const mailCtx = await catcher.context(mailing.server.url)
    const admin = await createUser(mailing.server.store, { username: 'root', password: 'root-password' }, now())
    mailToken = await mailing.userToken({ id: admin.id, username: 'root', password: 'root-password' })
    send = consolePages(USER_PAGES, mailing, mailCtx, () => mailToken, { sub: admin.id, name: 'root' })
  })
  afterAll(async () => {
    await mailing?.close()
    await sink?.close()
  })

  it('AC-01 sends the login page\'s reset mail (202 → a fixed notice), the link only in the mail; an unverified address is the 409 message and no mail', async () => {
    const created = await mailing.call('POST', '/users', { token: mailToken, body: { username: 'sara', password: 'sara-password', email: 'sara@example.test', email_verified: true } })
    const id = String((created.json.user as Record<string, unknown>).id)
    const done = await send({ method: 'POST', path: `/users/${id}/password-reset`, form: { csrf_token: CSRF_TOKEN } })
    expect(done).toEqual({ kind: 'redirect', to: `/users/${id}?notice=reset-mail-sent` })
    const link = await nextResetLink(sink, 'sara@example.test')
    const resetToken = new URL(link).searchParams.get('token') ?? ''
    expect(resetToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const page = pageOf(await send({ path: `/users/${id}?notice=reset-mail-sent` }))
    expect(page.html).toContain('<div class="notice" role="status">A reset mail was sent')
    expect(page.html).not.toContain(resetToken)

    const unverified = await mailing.call('POST', '/users', { token: mailToken, body: { username: 'tom', password: 'tom-password', email: 'tom@example.test' } })
    const tom = String((unverified.json.user as Record<string, unknown>).id)
    const refused = pageOf(await send({ method: 'POST', path: `/users/${tom}/password-reset`, form: { csrf_token: CSRF_TOKEN } }))
    expect(refused.status).toBe(409)
    expect(refused.html).toMatch(/role="alert">No mail was sent\. The user has no verified e-mail address/)
    expect(sink.to('tom@example.test')).toEqual([])
    expect(pageOf(await send({ path: `/users/${id}?notice=${encodeURIComponent('<b>sent</b>')}` })).html).not.toMatch(/<b>|&lt;b&gt;/)
  })
})

describe('every page', () => {
  it('AC-08 a user named with markup and a javascript: picture is shown escaped, the picture never as a link', async () => {
    const hostile = '"><script>alert(1)</script>'
    const user = await newUser(hostile, { name: '<img src=x onerror=alert(1)>', email: 'x@example.com' })
    const picture = await harness.call('PATCH', `/users/${user.id}`, {
      token, body: { picture: 'javascript:alert(1)' },
      headers: { 'if-match': (await harness.call('GET', `/users/${user.id}`, { token })).headers.get('etag') ?? '' },
    })
    for (const path of [`/users?q=${encodeURIComponent('<script>')}`, `/users/${user.id}`, `/users/${user.id}/delete`, `/users/${user.id}/disable`, `/users/${user.id}/enable`, `/users/${user.id}/password-reset`]) {
      const page = pageOf(await open({ path }))
      expect(page.html).not.toMatch(/<script|<img/i)
      expect(page.html).not.toMatch(/href="javascript:/i)
      expect(page.html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
    }
    // The API takes any absolute URL as a picture: the page must not make it a link.
    expect(picture.status).toBe(200)
    expect(pageOf(await open({ path: `/users/${user.id}` })).html).toContain('<span class="detail">javascript:alert(1)</span>')
  })

  it('AC-08 every POST form carries the console\'s CSRF token; the search form is a GET and carries none', async () => {
    const user = await newUser('olga')
    await signIn(user)
    const pages = [
      '/users', `/users/${user.id}`, `/users/${user.id}/delete`, `/users/${user.id}/sessions/revoke`,
      `/users/${user.id}/sessions/${(await sids(user))[0]}/revoke`, `/users/${user.id}/consents/conf/revoke`, `/users/${user.id}/grants/revoke`, `/users/${user.id}/mfa/reset`,
      `/users/${user.id}/disable`, `/users/${user.id}/enable`, `/users/${user.id}/password-reset`,
    ]
    for (const path of pages) {
      const page = pageOf(await open({ path }))
      const forms = postForms(page.html)
      expect(forms.length).toBeGreaterThan(0)
      for (const form of forms) expect(form.hidden.csrf_token).toBe(CSRF_TOKEN)
      expect(page.html.match(/<form /g)?.length).toBe(forms.length + (path === '/users' ? 1 : 0))
    }
    expect(pageOf(await open({ path: '/users' })).html).toMatch(/<form method="get" action="\/admin\/users" role="search"/)
  })
})
