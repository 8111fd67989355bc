/** The public signing keys (RFC 7517 §5): the keys tokens are signed with, never a private member. */
import { decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { createHarness, json } from '../../helpers/server-values.js'

interface Jwk { kid?: string; alg?: string; kty?: string; [member: string]: unknown }

describe('jwks endpoint', () => {
  it('lists one public key per default algorithm, cacheable for a minute', async () => {
    const { send } = await createHarness()
    const response = await send('GET', '/jwks')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(response.headers.get('cache-control')).toBe('public, max-age=60')
    const keys = json(response).keys as Jwk[]
    expect(keys.map((key) => [key.alg, key.kty]).sort()).toEqual([['ES256', 'EC'], ['RS256', 'RSA']])
    expect(new Set(keys.map((key) => key.kid)).size).toBe(2)
    for (const key of keys) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(member)
  })

  it('holds the key an access token was signed with', async () => {
    const { send, post } = await createHarness()
    const issued = json(await post('/token', 'm2m', { grant_type: 'client_credentials' }))
    const header = decodeProtectedHeader(String(issued.access_token))
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' })
    const keys = json(await send('GET', '/jwks')).keys as Jwk[]
    expect(keys.find((key) => key.kid === header.kid)?.alg).toBe('ES256')
  })

  it('answers the same keys to every request (they are kept in the store, not made per request)', async () => {
    const { send } = await createHarness()
    const first = json(await send('GET', '/jwks'))
    expect(json(await send('GET', '/jwks'))).toEqual(first)
  })

  it('allows HEAD and answers POST with 405 and Allow: GET', async () => {
    const { send } = await createHarness()
    expect((await send('HEAD', '/jwks')).status).toBe(200)
    const post = await send('POST', '/jwks', { form: {} })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET')
    expect(json(post)).toEqual({ error: 'invalid_request', error_description: 'Method not allowed' })
  })
})
