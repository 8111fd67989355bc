import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../../src/server/admin.js'
import { KEY_PAGES } from '../../../src/server/admin-console/keys.js'
import type { ServerContext } from '../../../src/server/context.js'
import { startAdminHarness, type AdminHarness } from '../../helpers/admin-api.js'
import { consolePages, contextCatcher, CSRF_TOKEN, pageOf, postForms } from '../../helpers/console-pages.js'

// The signing keys pages against the real admin API, with an administrator's user token.

let harness: AdminHarness
let ctx: ServerContext
let token: string

beforeAll(async () => {
  const catcher = contextCatcher()
  harness = await startAdminHarness({ admins: ['root'], capabilities: [catcher.capability] })
  ctx = await catcher.context(harness.server.url)
  const user = await createUser(harness.server.store, { username: 'root', password: 'root-password' }, Math.floor(Date.now() / 1000))
  token = await harness.userToken({ id: user.id, username: 'root', password: 'root-password' })
})
afterAll(() => harness.close())

const open = (call: Parameters<ReturnType<typeof consolePages>>[0], withToken = () => token) => consolePages(KEY_PAGES, harness, ctx, withToken)(call)

async function activeKids(): Promise<string[]> {
  return ((await harness.call('GET', '/keys', { token })).json.items ?? []).filter((key) => key.active).map((key) => String(key.kid))
}

describe('signing keys', () => {
  it('lists every key with its id, algorithm, state and dates, and links to the rotation', async () => {
    const kids = await activeKids()
    expect(kids.length).toBeGreaterThan(0)
    const page = pageOf(await open({ path: '/keys' }))
    expect(page.title).toBe('Signing keys')
    for (const kid of kids) expect(page.html).toContain(`<code>${kid}</code>`)
    expect(page.html).toMatch(/<td>ES256<\/td>|<td>RS256<\/td>/)
    expect(page.html).toContain('<span class="badge">active</span>')
    expect(page.html).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/)
    expect(page.html).toContain('href="/admin/keys/rotate"')
    expect(page.html).not.toContain('<form')
  })

  it('without a recent sign-in the confirmation says one will be asked, and the POST asks for it without rotating', async () => {
    const confirm = pageOf(await open({ path: '/keys/rotate', recentlyAuthenticated: false }))
    expect(confirm.html).toContain('you will be asked to sign in again first')
    expect(postForms(confirm.html)).toEqual([{ action: '/admin/keys/rotate', hidden: { csrf_token: CSRF_TOKEN } }])
    const before = await activeKids()
    expect(await open({ method: 'POST', path: '/keys/rotate', form: { csrf_token: CSRF_TOKEN }, recentlyAuthenticated: false })).toEqual({ kind: 'fresh-auth', returnTo: '/keys' })
    expect(await activeKids()).toEqual(before)
  })

  it('with a recent sign-in rotates: 303 to the list with a notice, and the new keys are listed as active', async () => {
    expect(pageOf(await open({ path: '/keys/rotate', recentlyAuthenticated: true })).html).not.toContain('sign in again')
    const before = await activeKids()
    expect(await open({ method: 'POST', path: '/keys/rotate', form: { csrf_token: CSRF_TOKEN }, recentlyAuthenticated: true })).toEqual({ kind: 'redirect', to: '/keys?notice=keys-rotated' })
    const after = await activeKids()
    expect(after.some((kid) => before.includes(kid))).toBe(false)
    const page = pageOf(await open({ path: '/keys?notice=keys-rotated' }))
    expect(page.html).toContain('The keys were rotated')
    for (const kid of [...before, ...after]) expect(page.html).toContain(`<code>${kid}</code>`)
    expect(page.html).toContain('retired')
  })

  it('a token without the keys scope gets a message with status 403, never a 500, and nothing rotates', async () => {
    const reader = await harness.token(harness.admins.reader)
    const before = await activeKids()
    const refused = pageOf(await open({ method: 'POST', path: '/keys/rotate', form: { csrf_token: CSRF_TOKEN }, recentlyAuthenticated: true }, () => reader))
    expect(refused.status).toBe(403)
    expect(refused.html).toContain('The admin API refused your console token')
    expect(refused.html).toContain('href="/admin/keys"')
    expect(await activeKids()).toEqual(before)
    const anonymous = pageOf(await open({ path: '/keys' }, () => 'not-a-token'))
    expect(anonymous.status).toBe(403)
    expect(anonymous.html).toContain('role="alert"')
  })
})
