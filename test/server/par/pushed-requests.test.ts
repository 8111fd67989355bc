import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { pushedAuthorizationRequests } from '../../../src/server/par/index.js'
import { PUSHED_REQUEST } from '../../../src/server/par/pushed-requests.js'
import { newPkce } from '../../helpers/pkce.js'
import { createHarness, json, REDIRECT_URI, text } from '../../helpers/server-values.js'

/**
 * The PAR capability through `server.handle()` with a fixed clock: what is stored, for how long, and how
 * `/authorize` uses it up. The catalogue cases over HTTP are in test/security/pr-pushed-requests.test.ts.
 */

function requestParams(clientId = 'app'): Record<string, string> {
  return {
    response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, scope: 'openid', state: 'st-1',
    code_challenge: newPkce().challenge, code_challenge_method: 'S256',
  }
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url')

describe('pushed authorization requests', () => {
  it('stores the validated request under the hash of its request_uri, bound to the client, for lifetimeSeconds', async () => {
    const harness = await createHarness({ capabilities: [pushedAuthorizationRequests({ lifetimeSeconds: 90 })] })
    const response = await harness.post('/par', 'app', requestParams())
    expect(response.status).toBe(201)
    const { request_uri: requestUri, expires_in: expiresIn } = json(response) as { request_uri: string; expires_in: number }
    expect(expiresIn).toBe(90)
    const stored = await harness.store.records.get(PUSHED_REQUEST, sha256(requestUri), harness.clock.now)
    expect(stored?.value.request).toMatchObject({ client_id: 'app', redirect_uri: REDIRECT_URI, scopes: ['openid'], state: 'st-1' })
    expect(stored?.expiresAt).toBe(harness.clock.now + 90)
    // Nothing stored under the reference itself.
    expect(await harness.store.records.get(PUSHED_REQUEST, requestUri, harness.clock.now)).toBeUndefined()

    harness.clock.now += 91
    const late = await harness.send('GET', `/authorize?client_id=app&request_uri=${encodeURIComponent(requestUri)}`)
    expect(late.status).toBe(400)
    expect(text(late)).toContain('invalid_request_uri')
  })

  it('resolves at /authorize once, ignoring parameters sent next to the reference', async () => {
    const harness = await createHarness({ capabilities: [pushedAuthorizationRequests()] })
    const { request_uri: requestUri } = json(await harness.post('/par', 'app', requestParams())) as { request_uri: string }
    const browser = harness.browser()
    const query = new URLSearchParams({ client_id: 'app', request_uri: requestUri, redirect_uri: 'http://127.0.0.1:9999/evil', scope: 'openid notes:write' })
    const first = await browser.get(`/authorize?${query.toString()}`)
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toMatch(/\/interaction\//)
    const second = await browser.get(`/authorize?${query.toString()}`)
    expect(second.status).toBe(400)
    expect(second.headers.get('location')).toBeNull()
  })

  it('answers the public client by its client_id, and refuses a public client at a server without the capability', async () => {
    const harness = await createHarness({ capabilities: [pushedAuthorizationRequests()] })
    // The harness adds the public client's client_id to the form itself.
    const { client_id: _clientId, ...params } = requestParams('pub')
    expect((await harness.post('/par', 'pub', params)).status).toBe(201)
    const plain = await createHarness()
    expect((await plain.post('/par', 'pub', params)).status).toBe(404)
  })

  it('refuses a pushed request whose redirect URI the operator removed since', async () => {
    const harness = await createHarness({ capabilities: [pushedAuthorizationRequests()] })
    const { request_uri: requestUri } = json(await harness.post('/par', 'app', requestParams())) as { request_uri: string }
    const client = await harness.store.clients.get('app')
    if (!client) throw new Error('app is missing')
    await harness.store.clients.update({ ...client, redirect_uris: ['http://127.0.0.1:5000/elsewhere'] })
    const response = await harness.send('GET', `/authorize?client_id=app&request_uri=${encodeURIComponent(requestUri)}`)
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
    expect(text(response)).toContain('redirect_uri is not registered')
  })

  it('refuses a lifetime above 600 seconds at construction, naming the option', () => {
    expect(() => pushedAuthorizationRequests({ lifetimeSeconds: 601 })).toThrow(/lifetimeSeconds/)
    expect(() => pushedAuthorizationRequests({ lifetimeSeconds: 0 })).toThrow(/lifetimeSeconds/)
  })
})
