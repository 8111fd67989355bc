import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOGIN_SESSION } from '../../../src/storage/kinds/sessions.js'
import { startAdminHarness, type AdminHarness } from '../../helpers/admin-api.js'
import { Browser } from '../../helpers/http-client.js'
import { authorize, clientPost } from '../../helpers/tessera.js'

// Every operation of the admin API over HTTP with a client-credentials admin token; every answer is checked
// against the OpenAPI document the server serves (test/helpers/admin-api.ts), and the last test proves each
// operation of the document was called.

let api: AdminHarness
let token: string

beforeAll(async () => {
  api = await startAdminHarness()
  token = await api.token(api.admins.full)
})
afterAll(() => api.close())

describe('clients', () => {
  it('creates a client, shows its secret once, and the secret works', async () => {
    const created = await api.call('POST', '/clients', { token, body: { client_name: 'Reports', grant_types: ['client_credentials'], scopes: ['notes:read'] } })
    expect(created.status).toBe(201)
    const client = created.json.client as Record<string, unknown>
    expect(created.headers.get('location')).toBe(`${api.server.url}/admin/v1/clients/${String(client.client_id)}`)
    expect(created.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/)
    expect(created.json.client_secret).toEqual(expect.any(String))
    expect(created.text).not.toContain('client_secret_hash')
    const tokenResponse = await clientPost(api.server, '/token', { id: String(client.client_id), secret: String(created.json.client_secret), method: 'client_secret_basic', redirectUri: '' }, { grant_type: 'client_credentials' })
    expect(tokenResponse.status).toBe(200)
    const read = await api.call('GET', `/clients/${String(client.client_id)}`, { token })
    expect(read.status).toBe(200)
    expect(read.text).not.toContain(String(created.json.client_secret))
    expect(read.headers.get('etag')).toBe(created.headers.get('etag'))
  })

  it('refuses invalid bodies with problem details naming the member: unknown members, wrong types, rules of the admin functions', async () => {
    const unknown = await api.call('POST', '/clients', { token, body: { client_name: 'X', is_admin: true } })
    expect(unknown.status).toBe(400)
    expect(unknown.headers.get('content-type')).toBe('application/problem+json')
    expect(JSON.stringify(unknown.json.errors)).toContain('is_admin')
    const wrongType = await api.call('POST', '/clients', { token, body: { client_name: 'X', redirect_uris: 'https://x.example/cb' } })
    expect(wrongType.status).toBe(400)
    expect(wrongType.json.errors).toEqual([expect.objectContaining({ pointer: '/redirect_uris' })])
    // The rule lives in createClient: the code grant needs a redirect URI.
    const rule = await api.call('POST', '/clients', { token, body: { client_name: 'X', grant_types: ['authorization_code'] } })
    expect(rule.status).toBe(400)
    expect(rule.json.detail).toContain('redirect URI')
    const notJson = await api.call('POST', '/clients', { token, raw: 'client_name=X', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(notJson.status).toBe(415)
    const broken = await api.call('POST', '/clients', { token, raw: '{"client_name":', headers: { 'content-type': 'application/json' } })
    expect(broken.status).toBe(400)
    const duplicate = await api.call('POST', '/clients', { token, body: { client_name: 'Dup', client_id: 'conf', grant_types: ['client_credentials'] } })
    expect(duplicate.status).toBe(409)
  })

  it('lists clients in pages with filters; an oversized page or a forged cursor is a 400 problem', async () => {
    for (const name of ['Page A', 'Page B', 'Page C']) {
      expect((await api.call('POST', '/clients', { token, body: { client_name: name, grant_types: ['client_credentials'] } })).status).toBe(201)
    }
    const seen: string[] = []
    let cursor: string | null | undefined
    do {
      const page = await api.call('GET', `/clients?q=page&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token })
      expect(page.status).toBe(200)
      expect(page.json.items?.length).toBeLessThanOrEqual(2)
      seen.push(...(page.json.items ?? []).map((client) => String(client.client_name)))
      cursor = page.json.next_cursor
    } while (cursor)
    expect(seen.sort()).toEqual(['Page A', 'Page B', 'Page C'])
    const codeClients = await api.call('GET', '/clients?grant_type=authorization_code&registered_by=operator&disabled=false', { token })
    expect((codeClients.json.items ?? []).map((client) => client.client_id)).toContain('conf')
    expect((codeClients.json.items ?? []).map((client) => client.client_id)).not.toContain('m2m')
    expect((await api.call('GET', '/clients?limit=201', { token })).status).toBe(400)
    expect((await api.call('GET', '/clients?limit=0', { token })).status).toBe(400)
    expect((await api.call('GET', '/clients?cursor=bm90LWpzb24', { token })).status).toBe(400)
    expect((await api.call('GET', '/clients?disabled=maybe', { token })).status).toBe(400)
  })

  it('updates with If-Match only: 428 without it, 412 with a stale tag, the change audited with the calling client', async () => {
    const created = await api.call('POST', '/clients', { token, body: { client_name: 'Editable', redirect_uris: ['https://app.example/cb'] } })
    const id = String((created.json.client as Record<string, unknown>).client_id)
    const etag = created.headers.get('etag') ?? ''
    expect((await api.call('PATCH', `/clients/${id}`, { token, body: { client_name: 'No tag' } })).status).toBe(428)
    const changed = await api.call('PATCH', `/clients/${id}`, { token, body: { redirect_uris: ['https://app.example/callback'] }, headers: { 'if-match': etag } })
    expect(changed.status).toBe(200)
    expect((changed.json.client as Record<string, unknown>).redirect_uris).toEqual(['https://app.example/callback'])
    expect(changed.headers.get('etag')).not.toBe(etag)
    const stale = await api.call('PATCH', `/clients/${id}`, { token, body: { client_name: 'Second admin' }, headers: { 'if-match': etag } })
    expect(stale.status).toBe(412)
    expect((await api.server.store.clients.get(id))?.client_name).toBe('Editable')
    const disabled = await api.call('PATCH', `/clients/${id}`, { token, body: { disabled: true }, headers: { 'if-match': changed.headers.get('etag') ?? '' } })
    expect((disabled.json.client as Record<string, unknown>).disabled).toBe(true)
    const invalid = await api.call('PATCH', `/clients/${id}`, { token, body: { redirect_uris: ['http://evil.example/cb'] }, headers: { 'if-match': disabled.headers.get('etag') ?? '' } })
    expect(invalid.status).toBe(400)
    await api.server.standalone.server.audit.flush()
    const audit = await api.call('GET', `/audit?type=client&client=${id}`, { token })
    const updated = (audit.json.items ?? []).find((record) => record.type === 'client.updated')
    expect(updated?.details).toMatchObject({ actor: 'admin', actor_client_id: 'ops' })
    expect((audit.json.items ?? []).map((record) => record.type)).toEqual(expect.arrayContaining(['client.created', 'client.updated', 'client.disabled']))
  })

  it('rotates a secret (the old one stops working) and deletes a client', async () => {
    const created = await api.call('POST', '/clients', { token, body: { client_name: 'Rotating', grant_types: ['client_credentials'] } })
    const id = String((created.json.client as Record<string, unknown>).client_id)
    const rotated = await api.call('POST', `/clients/${id}/secret`, { token })
    expect(rotated.status).toBe(200)
    const as = (secret: unknown) => clientPost(api.server, '/token', { id, secret: String(secret), method: 'client_secret_basic', redirectUri: '' }, { grant_type: 'client_credentials' })
    expect((await as(created.json.client_secret)).status).toBe(401)
    expect((await as(rotated.json.client_secret)).status).toBe(200)
    expect((await api.call('DELETE', `/clients/${id}`, { token })).status).toBe(204)
    expect((await api.call('GET', `/clients/${id}`, { token })).status).toBe(404)
    expect((await api.call('DELETE', `/clients/${id}`, { token })).status).toBe(404)
    expect((await api.call('POST', `/clients/${id}/secret`, { token })).status).toBe(404)
    const publicClient = await api.call('POST', `/clients/pub/secret`, { token })
    expect(publicClient.status).toBe(400)
  })
})

describe('users', () => {
  it('creates, reads, lists, updates (If-Match) and deletes a user; the password hash never shows', async () => {
    const created = await api.call('POST', '/users', { token, body: { username: 'carol', password: 'carol-password', email: 'carol@example.com', email_verified: true } })
    expect(created.status).toBe(201)
    const user = created.json.user as Record<string, unknown>
    expect(created.text).not.toContain('argon2')
    expect((await api.call('POST', '/users', { token, body: { username: 'carol', password: 'carol-password' } })).status).toBe(409)
    expect((await api.call('POST', '/users', { token, body: { username: 'dave', password: 'short' } })).status).toBe(400)
    const read = await api.call('GET', `/users/${String(user.id)}`, { token })
    expect(read.json.user).toMatchObject({ username: 'carol', mfa_enrolled: false, require_mfa: false })
    const listed = await api.call('GET', '/users?q=CAROL&limit=10', { token })
    expect((listed.json.items ?? []).map((entry) => entry.username)).toEqual(['carol'])
    const all = await api.call('GET', '/users?limit=1', { token })
    expect(all.json.items).toHaveLength(1)
    expect(all.json.next_cursor).toEqual(expect.any(String))
    expect((await api.call('GET', `/users?limit=1&cursor=${String(all.json.next_cursor)}`, { token })).status).toBe(200)
    expect((await api.call('PATCH', `/users/${String(user.id)}`, { token, body: { name: 'Carol' } })).status).toBe(428)
    const updated = await api.call('PATCH', `/users/${String(user.id)}`, { token, body: { name: 'Carol', require_mfa: true }, headers: { 'if-match': read.headers.get('etag') ?? '' } })
    expect(updated.status).toBe(200)
    expect(updated.json.user).toMatchObject({ name: 'Carol', require_mfa: true })
    expect((await api.call('PATCH', `/users/${String(user.id)}`, { token, body: { name: 'Again' }, headers: { 'if-match': read.headers.get('etag') ?? '' } })).status).toBe(412)
    expect((await api.call('PATCH', `/users/${String(user.id)}`, { token, body: { username: 'renamed' }, headers: { 'if-match': updated.headers.get('etag') ?? '' } })).status).toBe(400)
    expect((await api.call('DELETE', `/users/${String(user.id)}`, { token })).status).toBe(204)
    expect((await api.call('GET', `/users/${String(user.id)}`, { token })).status).toBe(404)
    expect((await api.call('DELETE', `/users/${String(user.id)}`, { token })).status).toBe(404)
  })

  it('disables and enables a user (If-Match), filters the list by it; a password reset by mail is a 409 problem on a server without mail', async () => {
    const created = await api.call('POST', '/users', { token, body: { username: 'frank', password: 'frank-password', email: 'frank@example.com', email_verified: true } })
    const id = String((created.json.user as Record<string, unknown>).id)
    expect(created.json.user).toMatchObject({ disabled: false })
    expect((await api.call('PATCH', `/users/${id}`, { token, body: { disabled: true } })).status).toBe(428)
    const disabled = await api.call('PATCH', `/users/${id}`, { token, body: { disabled: true }, headers: { 'if-match': created.headers.get('etag') ?? '' } })
    expect(disabled.json.user).toMatchObject({ disabled: true })
    expect((await api.server.store.users.get(id))?.disabled).toBe(true)
    expect(((await api.call('GET', '/users?disabled=true', { token })).json.items ?? []).map((user) => user.username)).toEqual(['frank'])
    expect((await api.call('GET', '/users?disabled=no', { token })).status).toBe(400)
    expect((await api.call('PATCH', `/users/${id}`, { token, body: { disabled: 'yes' }, headers: { 'if-match': disabled.headers.get('etag') ?? '' } })).status).toBe(400)
    const enabled = await api.call('PATCH', `/users/${id}`, { token, body: { disabled: false }, headers: { 'if-match': disabled.headers.get('etag') ?? '' } })
    expect(enabled.json.user).toMatchObject({ disabled: false })
    expect(((await api.call('GET', '/users?disabled=true', { token })).json.items ?? [])).toEqual([])
    await api.server.standalone.server.audit.flush()
    const audit = await api.call('GET', `/audit?user=${id}&type=user`, { token })
    expect((audit.json.items ?? []).map((record) => record.type)).toEqual(expect.arrayContaining(['user.disabled', 'user.enabled']))

    const noMail = await api.call('POST', `/users/${id}/password-reset`, { token })
    expect(noMail.status).toBe(409)
    expect(noMail.json.detail).toContain('sends no mail')
  })

  it('lists and ends sessions, lists and revokes consents and grants, resets the second factor', async () => {
    const created = await api.call('POST', '/users', { token, body: { username: 'erin', password: 'erin-password' } })
    const user = { id: String((created.json.user as Record<string, unknown>).id), username: 'erin', password: 'erin-password' }
    const browsers = [new Browser(), new Browser()]
    for (const browser of browsers) await authorize(api.server, browser, { client: api.server.clients.conf, user, scope: 'openid' })
    const sessions = await api.call('GET', `/users/${user.id}/sessions`, { token })
    expect(sessions.json.items).toHaveLength(2)
    const sid = String(sessions.json.items?.[0]?.sid)
    expect((await api.call('DELETE', `/users/${user.id}/sessions/${sid}`, { token })).status).toBe(204)
    expect((await api.call('DELETE', `/users/${user.id}/sessions/${sid}`, { token })).status).toBe(404)
    const rest = await api.call('DELETE', `/users/${user.id}/sessions`, { token })
    expect(rest.json.revoked).toHaveLength(1)
    expect(await api.server.store.records.listBySubject(LOGIN_SESSION, user.id)).toHaveLength(0)

    const consents = await api.call('GET', `/users/${user.id}/consents`, { token })
    expect((consents.json.items ?? []).map((consent) => consent.client_id)).toEqual(['conf'])
    const revoked = await api.call('DELETE', `/users/${user.id}/consents/conf`, { token })
    expect(revoked.json).toEqual({ consent_revoked: true, revoked_grants: expect.any(Number) })
    expect((await api.call('DELETE', `/users/${user.id}/consents/conf`, { token })).status).toBe(404)
    const grants = await api.call('DELETE', `/users/${user.id}/grants`, { token })
    expect(grants.json).toEqual({ revoked_grants: expect.any(Number) })
    expect((await api.call('DELETE', `/users/${user.id}/mfa`, { token })).status).toBe(204)
  })
})

describe('keys, audit trail, registration tokens', () => {
  it('lists the public keys and rotates them', async () => {
    const before = await api.call('GET', '/keys', { token })
    expect(before.text).not.toMatch(/"d":/)
    const active = (before.json.items ?? []).filter((key) => key.active).map((key) => key.kid)
    const rotated = await api.call('POST', '/keys/rotate', { token })
    expect(rotated.status).toBe(200)
    const after = await api.call('GET', '/keys', { token })
    const nowActive = (after.json.items ?? []).filter((key) => key.active).map((key) => key.kid)
    expect(nowActive.some((kid) => active.includes(kid))).toBe(false)
    // Tokens signed before the rotation still verify: the old keys stay published.
    expect((await api.call('GET', '/keys', { token })).status).toBe(200)
  })

  it('queries the audit trail with the CLI\'s filters, page by page', async () => {
    for (let index = 0; index < 5; index++) await api.call('POST', '/clients', { token, body: { client_name: `Audited ${index}`, grant_types: ['client_credentials'] } })
    await api.server.standalone.server.audit.flush()
    const ids: string[] = []
    let cursor: string | null | undefined
    do {
      const page = await api.call('GET', `/audit?type=client.created&limit=2&since=${Math.floor(Date.now() / 1000) - 600}${cursor ? `&cursor=${cursor}` : ''}`, { token })
      expect(page.status).toBe(200)
      ids.push(...(page.json.items ?? []).map((record) => String(record.id)))
      cursor = page.json.next_cursor
    } while (cursor)
    expect(ids.length).toBeGreaterThanOrEqual(5)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort().reverse()).toEqual(ids)
    const byUser = await api.call('GET', '/audit?user=alice&type=user', { token })
    expect((byUser.json.items ?? []).every((record) => record.subject === api.server.users.alice.id)).toBe(true)
    expect((await api.call('GET', '/audit?type=no.such', { token })).status).toBe(400)
    expect((await api.call('GET', '/audit?since=yesterday', { token })).status).toBe(400)
    expect((await api.call('GET', '/audit?limit=100000', { token })).status).toBe(400)
  })

  it('creates, lists and revokes initial access tokens; the token is shown once', async () => {
    const created = await api.call('POST', '/registration/tokens', { token, body: { expires_in: 3600 } })
    expect(created.status).toBe(201)
    const listed = await api.call('GET', '/registration/tokens', { token })
    expect((listed.json.items ?? []).map((entry) => entry.id)).toContain(created.json.id)
    expect(listed.text).not.toContain(String(created.json.initial_access_token))
    expect((await api.call('POST', '/registration/tokens', { token, body: { expires_in: 10 } })).status).toBe(400)
    expect((await api.call('DELETE', `/registration/tokens/${String(created.json.id)}`, { token })).status).toBe(204)
    expect((await api.call('DELETE', `/registration/tokens/${String(created.json.id)}`, { token })).status).toBe(404)
    expect(((await api.call('GET', '/registration/tokens', { token })).json.items ?? []).map((entry) => entry.id)).not.toContain(created.json.id)
  })
})

describe('the document', () => {
  it('is served as OpenAPI 3.1 without a token, and other paths and methods are problems', async () => {
    const response = await fetch(`${api.server.url}/admin/v1/openapi.json`)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { openapi: string }).openapi).toBe('3.1.0')
    api.openapi.exercised.add('getOpenApiDocument')
    const unknown = await fetch(`${api.server.url}/admin/v1/nothing`, { headers: { authorization: `Bearer ${token}` } })
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get('content-type')).toBe('application/problem+json')
    const method = await fetch(`${api.server.url}/admin/v1/keys`, { method: 'PUT', headers: { authorization: `Bearer ${token}` } })
    expect(method.status).toBe(405)
    expect(method.headers.get('allow')).toBe('GET')
  })

  it('refusals name RFC 9728 metadata that exists: the resource is the issuer, with the admin scopes', async () => {
    const anonymous = await api.call('GET', '/keys')
    expect(anonymous.status).toBe(401)
    const location = /resource_metadata="([^"]+)"/.exec(anonymous.headers.get('www-authenticate') ?? '')?.[1] ?? ''
    const metadata = (await (await fetch(location)).json()) as { resource: string; authorization_servers: string[]; scopes_supported: string[] }
    expect(metadata.resource).toBe(api.server.standalone.server.issuer)
    expect(metadata.authorization_servers).toEqual([api.server.standalone.server.issuer])
    expect(metadata.scopes_supported).toContain('admin:clients:write')
  })

  it('every operation of the document was exercised by this suite', () => {
    const missing = api.openapi.operations().map((operation) => operation.id).filter((id) => !api.openapi.exercised.has(id))
    expect(missing).toEqual([])
  })
})
