/**
 * Opaque access tokens (`accessTokenFormat: 'opaque'`) over real loopback HTTP: issued by every grant,
 * stored only as their SHA-256, answered alike by introspection (RFC 7662) and userinfo, ended at once by
 * revocation (RFC 7009), grant revocation and refresh-token reuse (RFC 9700 §4.14.2), and by expiry.
 * Tokens of the other format keep working across a format switch.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sha256 } from '../../../src/crypto/random.js'
import { startStandaloneServer } from '../../../src/standalone/server.js'
import { openSqliteStore } from '../../../src/storage/sqlite.js'
import { clientPost, SECRET, startTestServer, type TestClient, type TestServer } from '../../helpers/tessera.js'
import { testLogger } from '../../helpers/log-file.js'
import { expectBearerError, expectTokenError, introspect, isActive, refresh, revoke, sleep, tokensFor, userinfo } from '../../security/helpers.js'

const OFFLINE = 'openid profile offline_access notes:read'
const JWT_SHAPE = /^[^.]+\.[^.]+\.[^.]+$/

const server = await startTestServer({ store: 'sqlite', accessTokenFormat: 'opaque' })
afterAll(() => server.close())

async function clientCredentials(target: TestServer, client: TestClient): Promise<{ access_token: string; token_type: string; expires_in: number; scope: string }> {
  const response = await clientPost(target, '/token', client, { grant_type: 'client_credentials', scope: 'notes:read' })
  expect(response.status).toBe(200)
  return (await response.json()) as { access_token: string; token_type: string; expires_in: number; scope: string }
}

async function introspection(target: TestServer, client: TestClient, token: string): Promise<Record<string, unknown>> {
  const response = await introspect(target, client, token)
  expect(response.status).toBe(200)
  return (await response.json()) as Record<string, unknown>
}

describe('opaque access tokens', () => {
  it('client_credentials issues an opaque Bearer token, stored only as its hash', async () => {
    const { m2m } = server.clients
    const body = await clientCredentials(server, m2m)
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'notes:read' })
    expect(body.access_token).not.toMatch(JWT_SHAPE)
    // 256 bits of randomness, base64url.
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const now = Math.floor(Date.now() / 1000)
    const record = await server.store.accessTokens.find(sha256(body.access_token), now)
    expect(record).toMatchObject({ client_id: 'm2m', subject: 'm2m', user_id: null, grant_id: null, scopes: ['notes:read'], audience: [`${server.url}/api`] })
    expect(record?.expires_at).toBe((record?.created_at ?? 0) + 3600)
    expect(await server.store.accessTokens.find(body.access_token, now)).toBeUndefined()
  })

  it('introspection answers with the same metadata as for a JWT, then inactive once revoked', async () => {
    const { m2m } = server.clients
    const { access_token: token } = await clientCredentials(server, m2m)
    const active = await introspection(server, m2m, token)
    expect(active).toEqual({
      active: true,
      token_type: 'Bearer',
      scope: 'notes:read',
      client_id: 'm2m',
      sub: 'm2m',
      aud: `${server.url}/api`,
      iss: server.url,
      exp: expect.any(Number),
      iat: expect.any(Number),
      jti: expect.any(String),
    })
    expect((active.exp as number) - (active.iat as number)).toBe(3600)

    // The same client on a JWT server: the introspection answers carry the same members.
    const jwtServer = await startTestServer({ store: 'memory' })
    try {
      const jwt = await clientCredentials(jwtServer, jwtServer.clients.m2m)
      expect(jwt.access_token).toMatch(JWT_SHAPE)
      expect(Object.keys(await introspection(jwtServer, jwtServer.clients.m2m, jwt.access_token)).sort()).toEqual(Object.keys(active).sort())
    } finally {
      await jwtServer.close()
    }

    // Another client learns nothing about it (RFC 7662 §4).
    expect(await introspection(server, server.clients.conf, token)).toEqual({ active: false })
    // RFC 7009: revoking deletes it; revoking again is still 200.
    expect((await revoke(server, m2m, token)).status).toBe(200)
    expect(await introspection(server, m2m, token)).toEqual({ active: false })
    expect(await server.store.accessTokens.find(sha256(token), Math.floor(Date.now() / 1000))).toBeUndefined()
    expect((await revoke(server, m2m, token)).status).toBe(200)
  })

  it('authorization_code issues opaque tokens that userinfo accepts until revoked', async () => {
    const { conf } = server.clients
    const tokens = await tokensFor(server, conf, { scope: OFFLINE })
    expect(tokens.token_type).toBe('Bearer')
    expect(tokens.expires_in).toBe(3600)
    expect(tokens.access_token).not.toMatch(JWT_SHAPE)
    // The refresh token is a different value, stored apart.
    expect(tokens.refresh_token).toBeDefined()
    expect(tokens.refresh_token).not.toBe(tokens.access_token)

    const info = await userinfo(server, tokens.access_token)
    expect(info.status).toBe(200)
    expect(await info.json()).toMatchObject({ sub: server.users.alice.id, name: 'Alice Liddell' })
    expect(await introspection(server, conf, tokens.access_token)).toMatchObject({
      active: true, token_type: 'Bearer', sub: server.users.alice.id, client_id: 'conf', scope: OFFLINE,
    })

    expect((await revoke(server, conf, tokens.access_token)).status).toBe(200)
    await expectBearerError(await userinfo(server, tokens.access_token), 'invalid_token')
    expect(await isActive(server, conf, tokens.access_token)).toBe(false)
    // Only that access token: the grant's refresh token still works (RFC 7009 §2.1 leaves it alive).
    const refreshed = await refresh(server, conf, tokens.refresh_token ?? '')
    expect(refreshed.status).toBe(200)
    const next = (await refreshed.json()) as { access_token: string; token_type: string; expires_in: number }
    expect(next).toMatchObject({ token_type: 'Bearer', expires_in: 3600 })
    expect(next.access_token).not.toMatch(JWT_SHAPE)
    expect((await userinfo(server, next.access_token)).status).toBe(200)
  })

  it('revoking the refresh token revokes every opaque access token of its grant', async () => {
    const { conf } = server.clients
    const tokens = await tokensFor(server, conf, { scope: OFFLINE })
    const rotated = (await (await refresh(server, conf, tokens.refresh_token ?? '')).json()) as { access_token: string; refresh_token: string }
    expect(await isActive(server, conf, tokens.access_token)).toBe(true)
    expect(await isActive(server, conf, rotated.access_token)).toBe(true)

    expect((await revoke(server, conf, rotated.refresh_token)).status).toBe(200)
    expect(await isActive(server, conf, tokens.access_token)).toBe(false)
    expect(await isActive(server, conf, rotated.access_token)).toBe(false)
    await expectBearerError(await userinfo(server, rotated.access_token), 'invalid_token')
  })

  // RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the family, access tokens included.
  it('refresh token reuse revokes the opaque access tokens of the grant', async () => {
    const { conf } = server.clients
    const tokens = await tokensFor(server, conf, { scope: OFFLINE })
    const rotated = (await (await refresh(server, conf, tokens.refresh_token ?? '')).json()) as { access_token: string; refresh_token: string }
    await expectTokenError(await refresh(server, conf, tokens.refresh_token ?? ''), 'invalid_grant')
    expect(await isActive(server, conf, tokens.access_token)).toBe(false)
    expect(await isActive(server, conf, rotated.access_token)).toBe(false)
    await expectTokenError(await refresh(server, conf, rotated.refresh_token), 'invalid_grant')
  })

  it('deleting the user or the client ends their opaque access tokens at once', async () => {
    const { conf } = server.clients
    const tokens = await tokensFor(server, conf, { scope: OFFLINE, user: server.users.bob })
    expect((await userinfo(server, tokens.access_token)).status).toBe(200)
    await server.store.users.delete(server.users.bob.id)
    await expectBearerError(await userinfo(server, tokens.access_token), 'invalid_token')
    expect(await isActive(server, conf, tokens.access_token)).toBe(false)
  })

  it('an opaque access token expires with lifetimes.accessToken', async () => {
    const short = await startTestServer({ store: 'memory', accessTokenFormat: 'opaque', lifetimes: { accessToken: 1 } })
    try {
      const body = await clientCredentials(short, short.clients.m2m)
      expect(body.expires_in).toBe(1)
      await sleep(2100)
      expect(await introspection(short, short.clients.m2m, body.access_token)).toEqual({ active: false })
      // The purge removes it from the store too.
      await short.store.purgeExpired(Math.floor(Date.now() / 1000))
      expect(await short.store.accessTokens.find(sha256(body.access_token), 0)).toBeUndefined()
    } finally {
      await short.close()
    }
  })

  it('a switch of format leaves the tokens issued before it valid until they expire', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-format-'))
    const filename = join(dir, 'tessera.db')
    try {
      const before = await startTestServer({ filename })
      const jwt = await clientCredentials(before, before.clients.m2m)
      const port = Number(new URL(before.url).port)
      const m2m = before.clients.m2m
      await before.close()

      // Same file, same port (so the same issuer), now issuing opaque tokens.
      await sleep(200)
      const restart = async (format: 'jwt' | 'opaque'): Promise<TestServer> => {
        const store = await openSqliteStore({ filename })
        const standalone = await startStandaloneServer({ store, secret: SECRET, port, host: '127.0.0.1', logger: testLogger(), accessTokenFormat: format })
        return { ...before, url: standalone.url, standalone, store, close: async () => { await standalone.close(); await store.close() } }
      }
      const opaqueServer = await restart('opaque')
      let opaque: string
      try {
        expect(await isActive(opaqueServer, m2m, jwt.access_token)).toBe(true)
        opaque = (await clientCredentials(opaqueServer, m2m)).access_token
        expect(opaque).not.toMatch(JWT_SHAPE)
      } finally {
        await opaqueServer.close()
      }

      await sleep(200)
      const back = await restart('jwt')
      try {
        expect(await isActive(back, m2m, opaque)).toBe(true)
        expect(await isActive(back, m2m, jwt.access_token)).toBe(true)
        expect((await clientCredentials(back, m2m)).access_token).toMatch(JWT_SHAPE)
        // Revocation still works for the token of the other format.
        expect((await revoke(back, m2m, opaque)).status).toBe(200)
        expect(await isActive(back, m2m, opaque)).toBe(false)
      } finally {
        await back.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
