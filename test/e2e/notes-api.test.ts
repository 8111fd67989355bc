import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALL_SCOPES, clientPost, obtainTokens, startTestServer, type TestServer } from '../helpers/tessera.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
})
afterAll(async () => {
  await server?.close()
})

async function machineToken(scope: string): Promise<string> {
  const response = await clientPost(server, '/token', server.clients.m2m, { grant_type: 'client_credentials', scope })
  return ((await response.json()) as { access_token: string }).access_token
}

function api(path: string, token: string | undefined, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (token) headers.set('authorization', `Bearer ${token}`)
  return fetch(`${server.url}${path}`, { ...init, headers })
}

describe('demo notes API behind requireScopes', () => {
  it('answers 401 naming the scope and the RFC 9728 metadata it serves, without an error code', async () => {
    const response = await api('/api/notes', undefined)
    expect(response.status).toBe(401)
    const metadataUrl = `${server.url}/.well-known/oauth-protected-resource/api`
    // RFC 6750 §3.1: no error without a token; RFC 6750 §3 scope; RFC 9728 §5.1 resource_metadata.
    // RFC 9449 §7.1: the API takes DPoP-bound tokens too, so a DPoP challenge follows the Bearer one.
    const dpop = (scope: string) => `DPoP realm="${server.url}/api", ${scope}algs="ES256 EdDSA PS256 RS256"`
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}/api", scope="notes:read", resource_metadata="${metadataUrl}", ${dpop('scope="notes:read", ')}`)
    expect((await api('/api/me', undefined)).headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}/api", resource_metadata="${metadataUrl}", ${dpop('')}`)
    const metadata = (await (await fetch(metadataUrl)).json()) as Record<string, unknown>
    expect(metadata).toMatchObject({ resource: `${server.url}/api`, authorization_servers: [server.url] })
  })

  it('lets a machine client read what notes:read allows and nothing more', async () => {
    const token = await machineToken('notes:read')
    expect((await api('/api/notes', token)).status).toBe(200)
    const write = await api('/api/notes', token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"x"}' })
    expect(write.status).toBe(403)
    expect(write.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="notes:write", resource_metadata="http:\/\/[^"]+\/\.well-known\/oauth-protected-resource\/api", DPoP [^,]+, scope="notes:write", algs="[^"]+"$/)
    expect(await (await api('/api/me', token)).json()).toMatchObject({ sub: 'm2m', client_id: 'm2m', scope: 'notes:read' })
  })

  it('keeps each user’s notes to themselves through create, read, update and delete', async () => {
    const alice = (await obtainTokens(server, { client: server.clients.firstParty, scope: ALL_SCOPES.join(' ') })).access_token
    const bob = (await obtainTokens(server, { client: server.clients.firstParty, user: server.users.bob, scope: ALL_SCOPES.join(' ') })).access_token
    const json = { 'content-type': 'application/json' }
    const created = await api('/api/notes', alice, { method: 'POST', headers: json, body: JSON.stringify({ title: 'Groceries', body: 'milk' }) })
    expect(created.status).toBe(201)
    const note = (await created.json()) as { id: string; owner: string }
    expect(note.owner).toBe(server.users.alice.id)
    expect((await api(`/api/notes/${note.id}`, bob)).status).toBe(404)
    const updated = await api(`/api/notes/${note.id}`, alice, { method: 'PATCH', headers: json, body: '{"body":"eggs"}' })
    expect(await updated.json()).toMatchObject({ title: 'Groceries', body: 'eggs' })
    expect(((await (await api('/api/notes', bob)).json()) as { notes: unknown[] }).notes).toEqual([])
    expect((await api('/api/notes', alice, { method: 'POST', headers: json, body: '{"title":""}' })).status).toBe(400)
    expect((await api('/api/notes', alice, { method: 'POST', headers: json, body: '{oops' })).status).toBe(400)
    expect((await api(`/api/notes/${note.id}`, alice, { method: 'DELETE' })).status).toBe(204)
    expect((await api(`/api/notes/${note.id}`, alice)).status).toBe(404)
  })

  it('is reachable by the third-party machine example', async () => {
    // Asynchronous: the server under test runs in this process and must keep answering.
    const result = await promisify(execFile)(process.execPath, ['examples/third-party/machine.mjs'], {
      env: { ...process.env, ISSUER: server.url, CLIENT_ID: server.clients.m2m.id, CLIENT_SECRET: server.clients.m2m.secret ?? '' },
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/→ 200/)
  })
})

describe('demo notes API with opaque access tokens', () => {
  let opaque: TestServer
  beforeAll(async () => {
    opaque = await startTestServer({ store: 'memory', accessTokenFormat: 'opaque' })
  })
  afterAll(async () => {
    await opaque?.close()
  })

  const call = (path: string, token: string): Promise<Response> => fetch(`${opaque.url}${path}`, { headers: { authorization: `Bearer ${token}` } })

  it('accepts the server’s own opaque tokens, with their scopes, and refuses one at once when it is revoked', async () => {
    const issued = await clientPost(opaque, '/token', opaque.clients.m2m, { grant_type: 'client_credentials', scope: 'notes:read' })
    const { access_token: token } = (await issued.json()) as { access_token: string }
    expect(token.split('.')).toHaveLength(1)
    expect((await call('/api/notes', token)).status).toBe(200)
    expect(await (await call('/api/me', token)).json()).toMatchObject({ sub: 'm2m', client_id: 'm2m', scope: 'notes:read' })
    const write = await fetch(`${opaque.url}/api/notes`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"title":"x"}' })
    expect(write.status).toBe(403)
    expect((await clientPost(opaque, '/revoke', opaque.clients.m2m, { token })).status).toBe(200)
    const refused = await call('/api/notes', token)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
  })

  it('refuses a refresh token presented as an access token, and unknown values', async () => {
    const tokens = await obtainTokens(opaque, { client: opaque.clients.firstParty, scope: ALL_SCOPES.join(' ') })
    expect((await call('/api/notes', tokens.access_token)).status).toBe(200)
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    for (const token of [tokens.refresh_token ?? '', 'not-a-token-at-all']) {
      const response = await call('/api/notes', token)
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)
    }
  })
})
