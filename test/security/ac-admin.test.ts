import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { LOGIN_SESSION } from '../../src/storage/kinds/sessions.js'
import { startAdminHarness, type AdminHarness } from '../helpers/admin-api.js'
import { clientPost, type TestServer, type TestUser } from '../helpers/tessera.js'
import { Browser } from '../helpers/http-client.js'
import { authorizationRequest, completeInteraction, isActive, refresh, restartOnSameFile, sendAuthorization, silentAuthorization, signedInBrowser, SECURITY_STORE, tokensFor } from './helpers.js'

// Catalogue wave 2 §26, the admin API's parts: AC-07 (every admin route authorises the caller and the
// object; ids cannot be probed) and AC-09 (revocation by an admin takes effect everywhere and survives a
// restart). The account pages' parts are in ac-account.test.ts; the console's (AC-08) come with it.

let api: AdminHarness
let admin: string

beforeAll(async () => {
  // alice by username: usernames are resolved to the user at each request.
  api = await startAdminHarness({ store: SECURITY_STORE, admins: ['alice'] })
  admin = await api.token(api.admins.full)
})
afterAll(() => api.close())

/** Every documented operation with its path parameters filled in (with ids that exist, or not). */
function concretePaths(ids: Record<string, string>): Array<{ id: string; method: string; path: string; scopes: string[] }> {
  return api.openapi.operations()
    .filter((operation) => operation.scopes.length > 0)
    .map((operation) => ({ ...operation, path: operation.path.replace(/\{([a-z_]+)\}/g, (_match, name: string) => encodeURIComponent(ids[name] ?? 'x')) }))
}

function bodyFor(method: string, path: string): unknown {
  if (method === 'POST' && path === '/clients') return { client_name: 'Should not exist', grant_types: ['client_credentials'] }
  if (method === 'POST' && path === '/users') return { username: 'mallory', password: 'mallory-password' }
  if (method === 'PATCH') return { name: 'changed' }
  return undefined
}

describe('AC-07 admin routes authorise every caller and object', () => {
  it('AC-07 no token: 401 with a Bearer challenge on every route, and nothing changes', async () => {
    const ids = { client_id: 'conf', user_id: api.server.users.alice.id, sid: 'x', token_id: 'x' }
    for (const operation of concretePaths(ids)) {
      const response = await api.call(operation.method, operation.path, { body: bodyFor(operation.method, operation.path), headers: operation.method === 'PATCH' ? { 'if-match': '*' } : {} })
      expect(response.status, `${operation.id}`).toBe(401)
      expect(response.headers.get('www-authenticate'), operation.id).toMatch(/^Bearer /)
    }
    expect(await api.server.store.clients.get('conf')).toBeDefined()
    expect(await api.server.store.users.getByUsername('mallory')).toBeUndefined()
  })

  it('AC-07 a token of this server without an admin scope, and alice\'s user token: 403 insufficient_scope on every route', async () => {
    // A client-credentials client of the operator's with no admin scope: its token names the issuer as audience.
    const { clientSecret } = await createClient(api.server.store, { name: 'Plain job', clientId: 'plain-job', grantTypes: ['client_credentials'], scopes: ['openid'] }, Math.floor(Date.now() / 1000))
    const plain = await api.token({ id: 'plain-job', secret: clientSecret, method: 'client_secret_basic', redirectUri: '' })
    const alice = (await tokensFor(api.server, api.server.clients.conf, { user: api.server.users.alice, scope: 'openid profile' })).access_token
    const ids = { client_id: 'conf', user_id: api.server.users.bob.id, sid: 'x', token_id: 'x' }
    for (const token of [plain, alice]) {
      for (const operation of concretePaths(ids)) {
        const response = await api.call(operation.method, operation.path, { token, body: bodyFor(operation.method, operation.path), headers: operation.method === 'PATCH' ? { 'if-match': '*' } : {} })
        expect(response.status, operation.id).toBe(403)
        expect(response.json.error, operation.id).toBe('insufficient_scope')
        // RFC 6750 §3: the challenge names what the route needs.
        expect(response.headers.get('www-authenticate'), operation.id).toContain(`scope="${operation.scopes[0] ?? ''}"`)
      }
    }
    expect(await api.server.store.users.getByUsername('mallory')).toBeUndefined()
    expect((await api.server.store.users.get(api.server.users.bob.id))?.name).toBe('Bob Builder')
  })

  it('AC-07 a user token with admin scopes works only for an administrator: bob\'s, with the same scopes as alice\'s, is refused on every route', async () => {
    const alice = await api.userToken(api.server.users.alice)
    const bob = await api.userToken(api.server.users.bob)
    expect((await api.call('GET', '/clients?limit=1', { token: alice })).status).toBe(200)
    expect((await api.call('GET', `/users/${api.server.users.bob.id}`, { token: alice })).status).toBe(200)
    const ids = { client_id: 'conf', user_id: api.server.users.alice.id, sid: 'x', token_id: 'x' }
    for (const operation of concretePaths(ids)) {
      const response = await api.call(operation.method, operation.path, { token: bob, body: bodyFor(operation.method, operation.path), headers: operation.method === 'PATCH' ? { 'if-match': '*' } : {} })
      expect(response.status, operation.id).toBe(403)
      expect(response.headers.get('content-type'), operation.id).toMatch(/^application\/problem\+json/)
      expect(response.json.detail, operation.id).toMatch(/not an administrator/)
      // More scopes would not help: no RFC 6750 challenge asks for them.
      expect(response.headers.get('www-authenticate'), operation.id).toBeNull()
    }
    expect(await api.server.store.clients.get('conf')).toBeDefined()
    expect(await api.server.store.users.getByUsername('mallory')).toBeUndefined()
    expect((await api.server.store.users.get(api.server.users.alice.id))?.name).toBe('Alice Liddell')
    // Client-credentials tokens name no user and need no entry in admins.
    expect((await api.call('GET', '/clients?limit=1', { token: admin })).status).toBe(200)
  })

  it('AC-07 m2m\'s token (for the notes API) is not a token for the admin API at all: 401 invalid_token on every route', async () => {
    const m2m = await api.token(api.server.clients.m2m)
    const ids = { client_id: 'conf', user_id: api.server.users.bob.id, sid: 'x', token_id: 'x' }
    for (const operation of concretePaths(ids)) {
      const response = await api.call(operation.method, operation.path, { token: m2m, body: bodyFor(operation.method, operation.path), headers: operation.method === 'PATCH' ? { 'if-match': '*' } : {} })
      // RFC 9068 §4: its aud names another resource, so the admin API refuses it before looking at scopes.
      expect(response.status, operation.id).toBe(401)
      expect(response.json.error, operation.id).toBe('invalid_token')
    }
  })

  it('AC-07 an admin:read token on every write route: 403, and a read route works', async () => {
    const reader = await api.token(api.admins.reader)
    const ids = { client_id: 'conf', user_id: api.server.users.bob.id, sid: 'x', token_id: 'x' }
    for (const operation of concretePaths(ids)) {
      const response = await api.call(operation.method, operation.path, { token: reader, body: bodyFor(operation.method, operation.path), headers: operation.method === 'PATCH' ? { 'if-match': '*' } : {} })
      const write = operation.scopes.some((scope) => scope.endsWith(':write'))
      if (write) expect(response.status, operation.id).toBe(403)
      else expect([200, 404], operation.id).toContain(response.status)
    }
    expect(await api.server.store.clients.get('conf')).toBeDefined()
  })

  it('AC-07 a token for clients only cannot reach users, keys or the audit trail; ids cannot be probed', async () => {
    const provisioner = await api.token(api.admins.clientsOnly)
    expect((await api.call('GET', '/clients/conf', { token: provisioner })).status).toBe(200)
    // The same answer for a user that exists and one that does not: the scope is checked before any lookup.
    const existing = await api.call('GET', `/users/${api.server.users.bob.id}`, { token: provisioner })
    const missing = await api.call('GET', `/users/${randomUUID()}`, { token: provisioner })
    expect([existing.status, missing.status]).toEqual([403, 403])
    expect(existing.text).toBe(missing.text)
    for (const path of ['/keys', '/audit', '/registration/tokens']) expect((await api.call('GET', path, { token: provisioner })).status).toBe(403)
    // Without a token, the same 401 for any id.
    const anonymous = [await api.call('GET', '/clients/conf'), await api.call('GET', '/clients/no-such-client')]
    expect(anonymous.map((response) => response.status)).toEqual([401, 401])
    expect(anonymous[0]?.headers.get('www-authenticate')).toBe(anonymous[1]?.headers.get('www-authenticate'))
    // With the scope, an unknown object is a plain 404.
    expect((await api.call('GET', '/clients/no-such-client', { token: admin })).status).toBe(404)
    expect((await api.call('DELETE', `/users/${api.server.users.bob.id}/sessions/someone-elses-sid`, { token: admin })).status).toBe(404)
  })

  it('AC-07 admin scopes are granted only to clients the operator registered for them: not m2m, not a dynamically registered client', async () => {
    const asked = await clientPost(api.server, '/token', api.server.clients.m2m, { grant_type: 'client_credentials', scope: 'admin:read' })
    expect(asked.status).toBe(400)
    expect(((await asked.json()) as { error: string }).error).toBe('invalid_scope')
    const metadata = await fetch(`${api.server.url}/.well-known/openid-configuration`).then((response) => response.json() as Promise<{ scopes_supported: string[] }>)
    expect(metadata.scopes_supported.filter((scope) => scope.startsWith('admin:'))).toEqual([])
    // A user token names the acting user in sub; the body never does.
    const created = await api.call('POST', '/users', { token: admin, body: { username: 'trent', password: 'trent-password', user_id: api.server.users.alice.id } })
    expect(created.status).toBe(400)
  })
})

describe('AC-07 dynamic registration cannot ask for admin scopes', () => {
  it('AC-07 a client registering scope admin:write is refused', async () => {
    const { dynamicRegistration } = await import('../../src/server/rfc7591/index.js')
    const open = await startAdminHarness({ store: SECURITY_STORE, capabilities: [dynamicRegistration({ policy: 'open' })] })
    try {
      const response = await fetch(`${open.server.url}/register`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'Sneaky', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'admin:write' }),
      })
      expect(response.status).toBe(400)
      expect(((await response.json()) as { error: string }).error).toBe('invalid_client_metadata')
    } finally {
      await open.close()
    }
  })
})

describe('AC-09 (a, c) revocation by an admin', () => {
  it('AC-09 an admin ends one of alice\'s sessions: only that one; ending all sessions and grants kills cookies, refresh, introspection and prompt=none, also after a restart', async () => {
    const filename = join(tmpdir(), `tessera-ac09-${randomUUID()}.sqlite`)
    const first = await startAdminHarness({ store: 'sqlite', filename })
    let server: TestServer = first.server
    try {
      const token = await first.token(first.admins.full)
      const conf = server.clients.conf
      const alice = server.users.alice
      const [a, b] = [await signedInBrowser(server, alice, conf), await signedInBrowser(server, alice, conf)]
      const tokens = await tokensFor(server, conf, { user: alice, scope: 'openid offline_access', browser: a })
      const sessions = await first.call('GET', `/users/${alice.id}/sessions`, { token })
      expect(sessions.json.items).toHaveLength(2)

      // (c) one session: its browser must log in again, the other one not.
      const [aSilentBefore, bSilentBefore] = [await silentAuthorization(server, a, conf), await silentAuthorization(server, b, conf)]
      expect([aSilentBefore.error, bSilentBefore.error]).toEqual([undefined, undefined])
      const target = String(sessions.json.items?.[1]?.sid)
      expect((await first.call('DELETE', `/users/${alice.id}/sessions/${target}`, { token })).status).toBe(204)
      const silent = [await silentAuthorization(server, a, conf), await silentAuthorization(server, b, conf)].map((result) => result.error)
      expect(silent.filter((error) => error === 'login_required')).toHaveLength(1)
      expect(silent.filter((error) => error === undefined)).toHaveLength(1)
      // The session's end does not take back what the app was granted (as with "sign out" on the account page).
      expect(await isActive(server, conf, tokens.access_token)).toBe(true)

      // (a) everything of alice: every session, then every grant.
      expect((await first.call('DELETE', `/users/${alice.id}/sessions`, { token })).status).toBe(200)
      const revoked = await first.call('DELETE', `/users/${alice.id}/grants`, { token })
      expect(revoked.json.revoked_grants).toBeGreaterThanOrEqual(1)
      const check = async (current: TestServer): Promise<void> => {
        expect((await silentAuthorization(current, a, conf)).error).toBe('login_required')
        expect((await silentAuthorization(current, b, conf)).error).toBe('login_required')
        const refreshed = await refresh(current, conf, tokens.refresh_token ?? '')
        expect(refreshed.status).toBe(400)
        expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant')
        expect(await isActive(current, conf, tokens.access_token)).toBe(false)
        const userinfo = await fetch(`${current.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
        expect(userinfo.status).toBe(401)
      }
      await check(server)
      await first.server.standalone.server.audit.flush()
      const audit = await first.call('GET', `/audit?user=${alice.id}&type=admin.session_revoked,admin.grants_revoked`, { token })
      expect((audit.json.items ?? []).length).toBeGreaterThanOrEqual(3)
      expect((audit.json.items ?? []).every((record) => (record.details as Record<string, unknown>).actor_client_id === 'ops')).toBe(true)

      await server.standalone.close()
      await server.store.close()
      server = await restartOnSameFile(server, filename)
      await check(server)
      expect(await server.store.records.listBySubject(LOGIN_SESSION, alice.id)).toEqual([])
    } finally {
      await server.close()
    }
  })

  it('AC-09 an admin disables alice: sessions, refresh, introspection, userinfo and prompt=none die, new logins are refused, also after a restart; enabling brings back none of it', async () => {
    const filename = join(tmpdir(), `tessera-ac09-disabled-${randomUUID()}.sqlite`)
    const first = await startAdminHarness({ store: 'sqlite', filename })
    let server: TestServer = first.server
    try {
      const token = await first.token(first.admins.full)
      const conf = server.clients.conf
      const alice = server.users.alice
      const [a, b] = [await signedInBrowser(server, alice, conf), await signedInBrowser(server, alice, conf)]
      const tokens = await tokensFor(server, conf, { user: alice, scope: 'openid offline_access', browser: a })
      const read = await first.call('GET', `/users/${alice.id}`, { token })
      expect(read.json.user).toMatchObject({ disabled: false })
      const disabled = await first.call('PATCH', `/users/${alice.id}`, { token, body: { disabled: true }, headers: { 'if-match': read.headers.get('etag') ?? '' } })
      expect(disabled.status).toBe(200)
      expect(disabled.json.user).toMatchObject({ disabled: true })
      expect(disabled.headers.get('etag')).not.toBe(read.headers.get('etag'))
      expect((await first.call('GET', `/users/${alice.id}/sessions`, { token })).json.items).toEqual([])

      /** A fresh sign-in at conf with `user`'s password: the page the login form answers with. */
      const login = async (current: TestServer, user: TestUser): Promise<{ status: number; text: string }> => {
        const browser = new Browser()
        const outcome = await completeInteraction(current, browser, await sendAuthorization(current, browser, authorizationRequest(conf).params), { user })
        return { status: outcome.response.status, text: await outcome.response.text() }
      }
      const check = async (current: TestServer): Promise<void> => {
        expect((await silentAuthorization(current, a, conf)).error).toBe('login_required')
        expect((await silentAuthorization(current, b, conf)).error).toBe('login_required')
        const refreshed = await refresh(current, conf, tokens.refresh_token ?? '')
        expect(refreshed.status).toBe(400)
        expect(((await refreshed.json()) as { error: string }).error).toBe('invalid_grant')
        expect(await isActive(current, conf, tokens.access_token)).toBe(false)
        expect((await fetch(`${current.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401)
        // The right password learns that the account cannot sign in; a wrong one learns what it learns of any account.
        const right = await login(current, alice)
        expect(right.status).toBe(403)
        expect(right.text).toContain('This account cannot sign in')
        const wrong = await login(current, { ...alice, password: 'not-alices-password' })
        expect(wrong.status).toBe(400)
        expect(wrong.text).toContain('The username or password is incorrect')
        expect(wrong.text).not.toContain('cannot sign in')
      }
      await check(server)
      await first.server.standalone.server.audit.flush()
      const audit = await first.call('GET', `/audit?user=${alice.id}&type=user.disabled`, { token })
      expect(audit.json.items?.[0]?.details).toMatchObject({ actor: 'admin', actor_client_id: 'ops' })
      expect((await first.call('GET', '/users?disabled=true', { token })).json.items?.map((user) => user.id)).toEqual([alice.id])
      expect((await first.call('GET', '/users?disabled=false', { token })).json.items?.map((user) => user.id)).not.toContain(alice.id)

      await server.standalone.close()
      await server.store.close()
      server = await restartOnSameFile(server, filename)
      await check(server)
      expect((await server.store.users.get(alice.id))?.disabled).toBe(true)
      expect(await server.store.records.listBySubject(LOGIN_SESSION, alice.id)).toEqual([])

      // Enabled again: alice signs in, and what the switch ended stays ended.
      const stored = await server.store.users.get(alice.id)
      if (!stored) throw new Error('alice is gone')
      await server.store.users.update({ ...stored, disabled: false })
      expect((await login(server, alice)).status).toBe(303)
      expect((await refresh(server, conf, tokens.refresh_token ?? '')).status).toBe(400)
      expect((await silentAuthorization(server, b, conf)).error).toBe('login_required')
    } finally {
      await server.close()
    }
  })

  it('AC-09 an admin token stops working at once when its client is disabled', async () => {
    const created = await api.call('POST', '/clients', { token: admin, body: { client_name: 'Temporary admin', grant_types: ['client_credentials'], scopes: ['admin:read'] } })
    const client = created.json.client as { client_id: string }
    const temporary = await api.token({ id: client.client_id, secret: String(created.json.client_secret), method: 'client_secret_basic', redirectUri: '' })
    expect((await api.call('GET', '/keys', { token: temporary })).status).toBe(200)
    const etag = created.headers.get('etag') ?? ''
    expect((await api.call('PATCH', `/clients/${client.client_id}`, { token: admin, body: { disabled: true }, headers: { 'if-match': etag } })).status).toBe(200)
    const refused = await api.call('GET', '/keys', { token: temporary })
    expect(refused.status).toBe(401)
    expect(refused.json.error).toBe('invalid_token')
  })
})

