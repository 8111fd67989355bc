/**
 * Token introspection (RFC 7662): only confidential clients ask, and a client learns about its own tokens
 * only; anything else is `{"active": false}`, indistinguishable from an unknown token.
 */
import { describe, expect, it } from 'vitest'
import { createClient } from '../../../src/server/admin.js'
import { createStoredResource, deleteStoredResource } from '../../../src/server/resources/resource-admin.js'
import { basic, createHarness, ISSUER, json, NOTES_API, START } from '../../helpers/server-values.js'

const INACTIVE = { active: false }

describe('introspection endpoint', () => {
  it('describes an active access token of the asking client (RFC 7662 §2.2)', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    const response = await harness.post('/introspect', 'app', { token: tokens.access_token })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(json(response)).toEqual({
      active: true, token_type: 'Bearer', scope: 'openid offline_access notes:read', client_id: 'app', sub: harness.alice.id,
      aud: NOTES_API, iss: ISSUER, exp: START + 3600, iat: START, jti: expect.stringMatching(/^[\w-]+\.[\w-]+$/),
      // RFC 9470 §6: how and when the user authenticated (a password login).
      auth_time: START, acr: 'urn:tessera:pwd',
    })
  })

  it('describes a refresh token with its family expiry', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    expect(json(await harness.post('/introspect', 'app', { token: tokens.refresh_token ?? '', token_type_hint: 'refresh_token' }))).toEqual({
      active: true, token_type: 'refresh_token', scope: 'openid offline_access notes:read', client_id: 'app', sub: harness.alice.id,
      aud: [NOTES_API], iss: ISSUER, exp: START + 30 * 24 * 3600, iat: START,
    })
  })

  it('describes an opaque access token with the same members as a JWT', async () => {
    const harness = await createHarness({ accessTokenFormat: 'opaque' })
    const tokens = await harness.tokens()
    expect(tokens.access_token).not.toContain('.')
    expect(json(await harness.post('/introspect', 'app', { token: tokens.access_token }))).toEqual({
      active: true, token_type: 'Bearer', scope: 'openid offline_access notes:read', client_id: 'app', sub: harness.alice.id,
      aud: NOTES_API, iss: ISSUER, exp: START + 3600, iat: START, jti: expect.any(String), auth_time: START, acr: 'urn:tessera:pwd',
    })
  })

  it('answers inactive for another client\'s tokens, exactly as for an unknown one', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    for (const token of [tokens.access_token, tokens.refresh_token ?? '', 'never-issued']) {
      const response = await harness.post('/introspect', 'other', { token })
      expect(response.status).toBe(200)
      expect(json(response)).toEqual(INACTIVE)
    }
  })

  it('answers inactive once the token has expired', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    harness.clock.now = START + 3600
    expect(json(await harness.post('/introspect', 'app', { token: tokens.access_token }))).toEqual(INACTIVE)
    expect(json(await harness.post('/introspect', 'app', { token: tokens.refresh_token ?? '' })).active).toBe(true)
  })

  it('answers inactive for a used (rotated) refresh token', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens()
    expect((await harness.post('/token', 'app', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' })).status).toBe(200)
    expect(json(await harness.post('/introspect', 'app', { token: tokens.refresh_token ?? '' }))).toEqual(INACTIVE)
  })

  it('describes a client-credentials token with the client as subject', async () => {
    const harness = await createHarness()
    const issued = json(await harness.post('/token', 'm2m', { grant_type: 'client_credentials', scope: 'notes:read' }))
    expect(json(await harness.post('/introspect', 'm2m', { token: String(issued.access_token) }))).toMatchObject({
      active: true, client_id: 'm2m', sub: 'm2m', scope: 'notes:read', aud: NOTES_API,
    })
  })

  it('refuses a public client with 401 invalid_client (RFC 7662 §2.1)', async () => {
    const harness = await createHarness()
    const tokens = await harness.tokens({ client: 'pub' })
    const response = await harness.post('/introspect', 'pub', { token: tokens.access_token })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${ISSUER}"`)
    expect(json(response)).toEqual({ error: 'invalid_client', error_description: 'Public clients cannot introspect tokens' })
  })

  it('answers a failed client authentication with 401 invalid_client', async () => {
    const { send } = await createHarness()
    const response = await send('POST', '/introspect', { form: { token: 'x' }, headers: { authorization: basic('app', 'wrong') } })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${ISSUER}"`)
    expect(json(response)).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' })
  })

  it('needs the token parameter, and POST', async () => {
    const { post, send } = await createHarness()
    const missing = await post('/introspect', 'app', {})
    expect(missing.status).toBe(400)
    expect(json(missing)).toEqual({ error: 'invalid_request', error_description: 'Missing parameter token' })
    const get = await send('GET', '/introspect?token=x')
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
  })

  it('slows a client that keeps asking about dead tokens (catalogue RL-03)', async () => {
    const { post } = await createHarness({ clientLimits: { inactiveIntrospectionsPerClient: 2 } })
    for (let n = 0; n < 2; n++) expect(json(await post('/introspect', 'app', { token: `dead-${n}` }))).toEqual(INACTIVE)
    const refused = await post('/introspect', 'app', { token: 'dead-3' })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)
    expect(json(refused).error).toBe('temporarily_unavailable')
  })

  describe('for resource servers (a stored resource\'s introspection credentials)', () => {
    const FILES_API = 'http://127.0.0.1:4300/files'

    /** A resource created after the server started, and a client-credentials client allowed its scope. */
    async function withFilesApi(format: 'jwt' | 'opaque' = 'opaque') {
      const harness = await createHarness({ accessTokenFormat: format })
      const created = await createStoredResource(harness.store, { identifier: FILES_API, scopes: { 'files:read': 'Read your files' }, now: START })
      await createClient(harness.store, { name: 'Files job', clientId: 'files-job', clientSecret: 'files-job-secret', grantTypes: ['client_credentials'], scopes: ['files:read', 'notes:read'] }, START)
      const as = (id: string, secret: string) => ({ authorization: basic(id, secret) })
      const rs = as(created.resource.client_id, created.clientSecret)
      const token = async (resource: string) => {
        const response = await harness.send('POST', '/token', { form: { grant_type: 'client_credentials', resource }, headers: as('files-job', 'files-job-secret') })
        expect(response.status).toBe(200)
        return String(json(response).access_token)
      }
      return { harness, created, rs, token }
    }

    for (const format of ['opaque', 'jwt'] as const) {
      it(`describes a ${format} token whose aud names the resource, and nothing else`, async () => {
        const { harness, rs, token } = await withFilesApi(format)
        const mine = await token(FILES_API)
        const introspected = json(await harness.send('POST', '/introspect', { form: { token: mine }, headers: rs }))
        expect(introspected).toMatchObject({ active: true, client_id: 'files-job', aud: FILES_API, scope: 'files:read' })
        // A token for another resource, a user's token of another client, a refresh token: as unknown.
        const tokens = await harness.tokens()
        for (const other of [await token(NOTES_API), tokens.access_token, tokens.refresh_token ?? '']) {
          expect(json(await harness.send('POST', '/introspect', { form: { token: other }, headers: rs }))).toEqual(INACTIVE)
        }
      })
    }

    it('authenticates only with its secret, and its credentials get no token', async () => {
      const { harness, created, rs } = await withFilesApi()
      const wrong = await harness.send('POST', '/introspect', { form: { token: 'x' }, headers: { authorization: basic(created.resource.client_id, 'wrong') } })
      expect(wrong.status).toBe(401)
      const post = await harness.send('POST', '/introspect', { form: { token: 'x', client_id: created.resource.client_id, client_secret: created.clientSecret } })
      expect(post.status).toBe(401)
      for (const grant of ['client_credentials', 'authorization_code', 'refresh_token']) {
        const refused = await harness.send('POST', '/token', { form: { grant_type: grant, code: 'x', refresh_token: 'x' }, headers: rs })
        expect(refused.status).toBe(400)
        expect(json(refused).error).toBe('unauthorized_client')
      }
      const stored = await harness.store.clients.get(created.resource.client_id)
      expect(stored?.client_secret_hash).not.toBe(created.clientSecret)
      expect(stored?.client_secret_hash).toHaveLength(43)
    })

    it('ends with the resource: a deleted resource\'s credentials fail, its identifier is an unknown target', async () => {
      const { harness, created, rs, token } = await withFilesApi()
      const mine = await token(FILES_API)
      expect(await deleteStoredResource(harness.store, FILES_API)).toBe(true)
      expect((await harness.send('POST', '/introspect', { form: { token: mine }, headers: rs })).status).toBe(401)
      expect(await harness.store.clients.get(created.resource.client_id)).toBeUndefined()
      const refused = await harness.send('POST', '/token', { form: { grant_type: 'client_credentials', resource: FILES_API }, headers: { authorization: basic('files-job', 'files-job-secret') } })
      expect(json(refused).error).toBe('invalid_target')
    })
  })
})
