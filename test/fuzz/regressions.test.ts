/**
 * Findings of the fuzz suite, each kept as a named regression test over loopback HTTP. See the report of
 * issue 6 for the fixes (src/http/client-error.ts, src/http/form.ts, src/server/abuse/request-limits.ts,
 * src/standalone/server.ts, src/standalone/notes-api.ts).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { startTestServer } from '../helpers/tessera.js'
import { basic, rawRequest } from './raw-http.js'

const server = await startTestServer({ store: 'memory' })
afterAll(() => server.close())

describe('fuzz findings', () => {
  it('a NUL byte in the request target gets a JSON 400, not a bare parser error', async () => {
    const response = await rawRequest(server.url, { target: '/authorize?state=a\u0000b' })
    expect(response.status).toBe(400)
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: 'Malformed HTTP request' })
  })

  it('a control character in a header value (Authorization) gets a JSON 400', async () => {
    const response = await rawRequest(server.url, { method: 'POST', target: '/token', headers: [['Authorization', Buffer.from('Basic \u0001abc')]] })
    expect(response.status).toBe(400)
    expect(response.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('a 20 KiB query string is a 414 with a JSON body, not a 431 without one', async () => {
    const response = await rawRequest(server.url, { target: `/token?x=${'a'.repeat(20 * 1024)}` })
    expect(response.status).toBe(414)
    expect(response.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('3000 repeated parameters in a token request are refused before any grant logic', async () => {
    const { m2m } = server.clients
    const body = Array.from({ length: 3000 }, () => 'scope=notes%3Aread').join('&')
    const response = await rawRequest(server.url, { method: 'POST', target: '/token', headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['Authorization', basic(m2m.id, m2m.secret ?? '')]], body: `grant_type=client_credentials&${body}` })
    expect(response.status).toBe(400)
    expect(response.json()).toEqual({ error: 'invalid_request', error_description: 'Too many parameters' })
  })

  it('a JSON body to the demo API is bounded while reading (chunked, no Content-Length), before the token is checked', async () => {
    const response = await rawRequest(server.url, { method: 'POST', target: '/api/notes', headers: [['Content-Type', 'application/json'], ['Authorization', 'Bearer abc']], body: `{"title":"${'a'.repeat(200 * 1024)}"}`, chunked: true })
    expect(response.status).toBe(413)
    expect(response.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('an unknown method on a demo API route answers the JSON error format, not text/plain', async () => {
    const response = await rawRequest(server.url, { method: 'POST', target: '/api/me', headers: [['Authorization', 'Bearer abc']] })
    expect(response.status).toBe(404)
    expect(response.header('content-type')).toMatch(/^application\/json/)
    expect(response.json()).toMatchObject({ error: 'invalid_request' })
  })
})
