/**
 * Catalogue §12 — RL-02 guessing at the token endpoint and RL-03 introspection token scanning, over
 * loopback HTTP with the default limits. A second source address (127.0.0.2) plays the legitimate
 * client, which must be unaffected.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_CLIENT_LIMITS } from '../../src/server/abuse/client-limits.js'
import { startTestServer } from '../helpers/tessera.js'
import { basic, form, rawRequest, type RawResponse } from '../fuzz/raw-http.js'

const server = await startTestServer({ store: 'memory' })
afterAll(() => server.close())

function post(path: string, body: [string, string][], options: { authorization?: string; from?: string } = {}): Promise<RawResponse> {
  return rawRequest(server.url, {
    method: 'POST',
    target: path,
    headers: [['Content-Type', 'application/x-www-form-urlencoded'], ...(options.authorization ? [['Authorization', options.authorization] as [string, string]] : [])],
    body: form(body),
    ...(options.from ? { localAddress: options.from } : {}),
  })
}

const random = (): string => randomBytes(24).toString('base64url')

function expectRateLimited(response: RawResponse): void {
  expect(response.status).toBe(429)
  expect(Number(response.header('retry-after'))).toBeGreaterThan(0)
  expect(response.header('content-type')).toMatch(/^application\/json/)
  expect(response.header('cache-control')).toBe('no-store')
  expect(response.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'Too many requests; retry later' })
}

/** Sends `count` requests sequentially and returns their statuses. */
async function statuses(count: number, send: () => Promise<RawResponse>): Promise<{ list: number[]; last: RawResponse }> {
  const list: number[] = []
  let last: RawResponse | undefined
  for (let i = 0; i < count; i++) {
    last = await send()
    list.push(last.status)
  }
  if (!last) throw new Error('no request sent')
  return { list, last }
}

describe('RL abuse limits at the token and introspection endpoints', () => {
  it('RL-02 random codes and refresh tokens end in 429 for that client and address, not for the client elsewhere', async () => {
    const { conf, m2m } = server.clients
    const limit = DEFAULT_CLIENT_LIMITS.grantFailuresPerClient
    const codes = await statuses(limit + 10, () => post('/token', [['grant_type', Math.random() < 0.5 ? 'authorization_code' : 'refresh_token'], ['code', random()], ['refresh_token', random()], ['redirect_uri', conf.redirectUri], ['code_verifier', random() + random()]], { authorization: basic(conf.id, conf.secret ?? '') }))
    expect(codes.list.slice(0, limit).every((status) => status === 400)).toBe(true)
    expect(codes.list.slice(limit)).toEqual(Array.from({ length: 10 }, () => 429))
    expectRateLimited(codes.last)
    // The same client from another address, and another client from this one, still work.
    const elsewhere = await post('/token', [['grant_type', 'refresh_token'], ['refresh_token', random()]], { authorization: basic(conf.id, conf.secret ?? ''), from: '127.0.0.2' })
    expect(elsewhere.status).toBe(400)
    expect(elsewhere.json()).toMatchObject({ error: 'invalid_grant' })
    const other = await post('/token', [['grant_type', 'client_credentials'], ['scope', 'notes:read']], { authorization: basic(m2m.id, m2m.secret ?? '') })
    expect(other.status).toBe(200)
  })

  it('RL-02 wrong client secrets end in 429 for that address before the next guess is checked', async () => {
    const { m2m } = server.clients
    const limit = DEFAULT_CLIENT_LIMITS.authFailuresPerClientAddress
    const guesses = await statuses(limit + 5, () => post('/token', [['grant_type', 'client_credentials']], { authorization: basic(m2m.id, random()), from: '127.0.0.3' }))
    expect(guesses.list.slice(0, limit).every((status) => status === 401)).toBe(true)
    expect(guesses.list.slice(limit)).toEqual([429, 429, 429, 429, 429])
    expectRateLimited(guesses.last)
    // Even the right secret is refused from that address while the window lasts: the answer leaks nothing…
    const right = await post('/token', [['grant_type', 'client_credentials']], { authorization: basic(m2m.id, m2m.secret ?? ''), from: '127.0.0.3' })
    expect(right.status).toBe(429)
    // …and the legitimate client, from its own address, is unaffected.
    const legitimate = await post('/token', [['grant_type', 'client_credentials']], { authorization: basic(m2m.id, m2m.secret ?? ''), from: '127.0.0.4' })
    expect(legitimate.status).toBe(200)
  })

  it('RL-03 introspecting random tokens with valid credentials is throttled; answers stay {"active":false}', async () => {
    const { other, conf } = server.clients
    const limit = DEFAULT_CLIENT_LIMITS.inactiveIntrospectionsPerClient
    const scans = await statuses(limit + 3, () => post('/introspect', [['token', random()]], { authorization: basic(other.id, other.secret ?? '') }))
    expect(scans.list.slice(0, limit).every((status) => status === 200)).toBe(true)
    expect(scans.list.slice(limit)).toEqual([429, 429, 429])
    expectRateLimited(scans.last)
    const another = await post('/introspect', [['token', random()]], { authorization: basic(conf.id, conf.secret ?? '') })
    expect(another.status).toBe(200)
    expect(another.json()).toEqual({ active: false })
  })

  it('RL-02 a client sending thousands of good client-credentials grants is never limited by default', async () => {
    const { m2m } = server.clients
    const results = await Promise.all(Array.from({ length: 400 }, () => post('/token', [['grant_type', 'client_credentials']], { authorization: basic(m2m.id, m2m.secret ?? ''), from: '127.0.0.5' })))
    expect(results.every((response) => response.status === 200)).toBe(true)
  })
})
