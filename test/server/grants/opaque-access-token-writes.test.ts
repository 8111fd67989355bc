/**
 * No half-written opaque tokens: the access token record is saved before the response is built, and a
 * grant whose later write fails (refresh token save, rotation) deletes it again, so the store never keeps
 * a token that was not handed out, and no response carries a token that was not stored.
 */
import { describe, expect, it } from 'vitest'
import { randomToken, sha256 } from '../../../src/crypto/random.js'
import { createClient, createUser } from '../../../src/server/admin.js'
import { createAuthorizationServer, type AuthorizationServer } from '../../../src/server/create-server.js'
import { createMemoryStore } from '../../../src/storage/memory.js'
import { StorageUnavailableError, type RotateRefreshTokenResult, type Store } from '../../../src/storage/types.js'

const SECRET = 'unit-test-secret-unit-test-secret-0123456789'
const ISSUER = 'http://127.0.0.1:4000'
const now = () => Math.floor(Date.now() / 1000)

type Rotate = Store['refreshTokens']['rotate']

/** A memory store that records the hashes of saved access tokens and lets a test replace `rotate`. */
function observedStore(rotate?: (inner: Rotate) => Rotate): { store: Store; savedAccessTokens: string[] } {
  const store = createMemoryStore()
  const savedAccessTokens: string[] = []
  return {
    savedAccessTokens,
    store: {
      ...store,
      accessTokens: {
        ...store.accessTokens,
        save: async (token) => {
          savedAccessTokens.push(token.token_hash)
          await store.accessTokens.save(token)
        },
      },
      refreshTokens: { ...store.refreshTokens, rotate: rotate ? rotate(store.refreshTokens.rotate) : store.refreshTokens.rotate },
    },
  }
}

async function setup(store: Store): Promise<{ server: AuthorizationServer; refreshToken: string }> {
  await createClient(store, { name: 'App', clientId: 'app', clientSecret: 'app-secret', redirectUris: ['http://127.0.0.1:5000/cb'], grantTypes: ['authorization_code', 'refresh_token'], scopes: ['notes:read'] }, now())
  const user = await createUser(store, { username: 'alice', password: 'alice-password' }, now())
  const server = await createAuthorizationServer({ issuer: ISSUER, store, secret: SECRET, accessTokenFormat: 'opaque', resources: [{ identifier: `${ISSUER}/api`, scopes: { 'notes:read': 'Read' } }] })
  // A refresh token as the authorization_code grant stores it.
  const refreshToken = randomToken(32)
  await store.refreshTokens.save({
    token_hash: sha256(refreshToken), grant_id: 'grant-1', client_id: 'app', user_id: user.id, scopes: ['notes:read'], resources: [],
    auth_time: now(), session_id: null, created_at: now(), expires_at: now() + 3600, consumed_at: null,
  })
  return { server, refreshToken }
}

function refresh(server: AuthorizationServer, refreshToken: string) {
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('app:app-secret').toString('base64')}` })
  return server.handle({
    method: 'POST', url: new URL('/token', ISSUER), headers, remoteAddress: '127.0.0.1',
    body: new TextEncoder().encode(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString()),
  })
}

function json(body: string | Uint8Array | undefined): Record<string, unknown> {
  return JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body ?? new Uint8Array())) as Record<string, unknown>
}

describe('opaque access token writes', () => {
  it('stores the token it returns', async () => {
    const { store, savedAccessTokens } = observedStore()
    const { server, refreshToken } = await setup(store)
    const response = await refresh(server, refreshToken)
    expect(response.status).toBe(200)
    const token = json(response.body).access_token as string
    expect(savedAccessTokens).toEqual([sha256(token)])
    expect(await store.accessTokens.find(sha256(token), now())).toMatchObject({ client_id: 'app', grant_id: 'grant-1', scopes: ['notes:read'] })
  })

  it('deletes the saved token when the rotation fails (store outage): nothing stored without a response', async () => {
    const { store, savedAccessTokens } = observedStore(() => () => Promise.reject(new StorageUnavailableError('postgres', 'down')))
    const { server, refreshToken } = await setup(store)
    expect((await refresh(server, refreshToken)).status).toBe(503)
    expect(savedAccessTokens).toHaveLength(1)
    expect(await store.accessTokens.find(savedAccessTokens[0] ?? '', now())).toBeUndefined()
  })

  it('deletes the saved token when the rotation is lost to a concurrent request', async () => {
    const lost = (): Promise<RotateRefreshTokenResult> => Promise.resolve({ status: 'unknown' })
    const { store, savedAccessTokens } = observedStore(() => lost)
    const { server, refreshToken } = await setup(store)
    const response = await refresh(server, refreshToken)
    expect(response.status).toBe(400)
    expect(json(response.body).error).toBe('invalid_grant')
    expect(savedAccessTokens).toHaveLength(1)
    expect(await store.accessTokens.find(savedAccessTokens[0] ?? '', now())).toBeUndefined()
  })
})
