/**
 * The token endpoint's own rules (RFC 6749 §3.2, §5.2), before any grant runs: method, form body,
 * repeated parameters, client authentication with its 401 challenge, and the grant dispatch.
 */
import { describe, expect, it } from 'vitest'
import { basic, createHarness, ISSUER, json } from '../../helpers/server-values.js'

const CHALLENGE = `Basic realm="${ISSUER}"`

describe('token endpoint', () => {
  it('answers GET and HEAD with 405, Allow: POST and an RFC 6749 §5.2 body', async () => {
    const { send } = await createHarness()
    for (const method of ['GET', 'HEAD', 'PUT']) {
      const response = await send(method, '/token')
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST')
      expect(response.headers.get('content-type')).toBe('application/json')
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'Method not allowed' })
    }
  })

  it('refuses a body that is not a form', async () => {
    const { send } = await createHarness()
    const response = await send('POST', '/token', { headers: { authorization: basic('m2m', 'm2m-secret'), 'content-type': 'application/json' } })
    expect(response.status).toBe(400)
    expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'Content-Type must be application/x-www-form-urlencoded' })
  })

  it('refuses a repeated parameter with invalid_request (RFC 6749 §3.2)', async () => {
    const { post } = await createHarness()
    const response = await post('/token', 'm2m', [['grant_type', 'client_credentials'], ['scope', 'notes:read'], ['scope', 'notes:write']])
    expect(response.status).toBe(400)
    expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'Parameter scope was repeated' })
  })

  it('refuses a request without grant_type with invalid_request', async () => {
    const { post } = await createHarness()
    const response = await post('/token', 'm2m', { scope: 'notes:read' })
    expect(response.status).toBe(400)
    expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'Missing grant_type' })
  })

  it('answers a grant type no capability registered with unsupported_grant_type', async () => {
    const { post } = await createHarness()
    for (const grantType of ['password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code']) {
      const response = await post('/token', 'app', { grant_type: grantType })
      expect(response.status).toBe(400)
      expect(json(response)).toEqual({ error: 'unsupported_grant_type', error_description: 'Unsupported grant_type' })
    }
  })

  it('answers unauthorized_client when the client is not registered for the grant', async () => {
    const { post } = await createHarness()
    const asApp = await post('/token', 'app', { grant_type: 'client_credentials', scope: 'notes:read' })
    expect(asApp.status).toBe(400)
    expect(json(asApp)).toEqual({ error: 'unauthorized_client', error_description: 'The client is not allowed to use client_credentials' })
    const asM2m = await post('/token', 'm2m', { grant_type: 'refresh_token', refresh_token: 'anything' })
    expect(json(asM2m)).toEqual({ error: 'unauthorized_client', error_description: 'The client is not allowed to use refresh_token' })
    // `post` is registered for the code grant only.
    expect(json(await post('/token', 'post', { grant_type: 'refresh_token', refresh_token: 'anything' })).error).toBe('unauthorized_client')
  })

  it('answers a wrong secret, an unknown client and a missing authentication with 401 invalid_client and a Basic challenge', async () => {
    const { send } = await createHarness()
    const form = { grant_type: 'client_credentials' }
    const cases: { headers: Record<string, string>; description: string }[] = [
      { headers: { authorization: basic('m2m', 'wrong-secret') }, description: 'Client authentication failed' },
      { headers: { authorization: basic('nobody', 'm2m-secret') }, description: 'Client authentication failed' },
      { headers: {}, description: 'Client authentication required' },
      { headers: { authorization: 'Bearer abc' }, description: 'Malformed Authorization header' },
      { headers: { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }, description: 'Malformed Basic credentials' },
    ]
    for (const { headers, description } of cases) {
      const response = await send('POST', '/token', { form, headers })
      expect(response.status, description).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe(CHALLENGE)
      expect(json(response)).toEqual({ error: 'invalid_client', error_description: description })
    }
  })

  it('authenticates the client before reading grant_type: an unauthenticated request learns nothing else', async () => {
    const { send } = await createHarness()
    const response = await send('POST', '/token', { form: { grant_type: 'password' }, headers: { authorization: basic('app', 'wrong') } })
    expect(response.status).toBe(401)
    expect(json(response).error).toBe('invalid_client')
  })

  it('holds a client to its registered authentication method (catalogue CA-04)', async () => {
    const { send } = await createHarness()
    // `app` is client_secret_basic: the right secret in the body still fails.
    const inBody = await send('POST', '/token', { form: { grant_type: 'authorization_code', code: 'x', client_id: 'app', client_secret: 'app-secret' } })
    expect(inBody.status).toBe(401)
    expect(json(inBody)).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' })
    // `post` is client_secret_post: the right secret over Basic fails.
    const overBasic = await send('POST', '/token', { form: { grant_type: 'authorization_code', code: 'x' }, headers: { authorization: basic('post', 'post-secret') } })
    expect(overBasic.status).toBe(401)
    // `app` is confidential: a bare client_id is not enough.
    const bare = await send('POST', '/token', { form: { grant_type: 'authorization_code', code: 'x', client_id: 'app' } })
    expect(bare.status).toBe(401)
    expect(bare.headers.get('www-authenticate')).toBe(CHALLENGE)
  })

  it('refuses two authentication methods in one request (RFC 6749 §2.3)', async () => {
    const { send } = await createHarness()
    const response = await send('POST', '/token', { form: { grant_type: 'client_credentials', client_secret: 'm2m-secret' }, headers: { authorization: basic('m2m', 'm2m-secret') } })
    expect(response.status).toBe(400)
    expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'Only one client authentication method may be used' })
  })

  it('refuses a body client_id that differs from the Basic one', async () => {
    const { send } = await createHarness()
    const response = await send('POST', '/token', { form: { grant_type: 'client_credentials', client_id: 'app' }, headers: { authorization: basic('m2m', 'm2m-secret') } })
    expect(response.status).toBe(400)
    expect(json(response)).toEqual({ error: 'invalid_request', error_description: 'client_id does not match the authenticated client' })
  })

  it('slows a client that keeps failing a grant with 429, Retry-After and temporarily_unavailable (catalogue RL-02)', async () => {
    const { post } = await createHarness({ clientLimits: { grantFailuresPerClient: 2 } })
    for (let n = 0; n < 2; n++) {
      expect(json(await post('/token', 'app', { grant_type: 'authorization_code', code: `guess-${n}` })).error).toBe('invalid_grant')
    }
    const refused = await post('/token', 'app', { grant_type: 'authorization_code', code: 'guess-3' })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)
    expect(json(refused).error).toBe('temporarily_unavailable')
  })
})
