/**
 * Catalogue §12 — RL-05 size and complexity limits, over loopback HTTP against the standalone server
 * (authorization server, the demo API behind the resource middleware). Every refusal is a 4xx with an
 * OAuth error body, decided before the oversized part is buffered or parsed.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { MAX_PARAMETER_LENGTH, MAX_PARAMETERS, MAX_QUERY_LENGTH } from '../../src/http/types.js'
import { startTestServer } from '../helpers/tessera.js'
import { basic, form, rawRequest, type RawResponse } from '../fuzz/raw-http.js'

const server = await startTestServer({ store: 'memory' })
afterAll(() => server.close())

const TEN_MB = Buffer.alloc(10 * 1024 * 1024, 'a')

function expectJsonError(response: RawResponse, status: number, error = 'invalid_request'): void {
  expect(response.status).toBe(status)
  expect(response.header('content-type')).toMatch(/^application\/json/)
  expect(response.json()).toMatchObject({ error })
}

function postBody(target: string, body: Buffer | string, options: { chunked?: boolean; contentType?: string; authorization?: string } = {}): Promise<RawResponse> {
  return rawRequest(server.url, {
    method: 'POST',
    target,
    headers: [['Content-Type', options.contentType ?? 'application/x-www-form-urlencoded'], ...(options.authorization ? [['Authorization', options.authorization] as [string, string]] : [])],
    body,
    ...(options.chunked ? { chunked: true } : {}),
  })
}

describe('RL-05 size and complexity limits', () => {
  it('RL-05 a 10 MB body is refused with 413 at /token and /introspect, declared or chunked', async () => {
    const { conf } = server.clients
    for (const target of ['/token', '/introspect', '/revoke']) {
      expectJsonError(await postBody(target, TEN_MB, { authorization: basic(conf.id, conf.secret ?? '') }), 413)
      expectJsonError(await postBody(target, TEN_MB, { chunked: true, authorization: basic(conf.id, conf.secret ?? '') }), 413)
    }
  })

  it('RL-05 a 10 MB body to the demo API is refused with 413 before any JSON parsing', async () => {
    expectJsonError(await postBody('/api/notes', TEN_MB, { contentType: 'application/json' }), 413)
    expectJsonError(await postBody('/api/notes', TEN_MB, { chunked: true, contentType: 'application/json' }), 413)
    expectJsonError(await postBody('/api/notes', TEN_MB, { chunked: true, contentType: 'application/x-www-form-urlencoded' }), 413)
  })

  it('RL-05 a 100 KB query string to /authorize is refused with 414', async () => {
    const response = await rawRequest(server.url, { target: `/authorize?client_id=conf&state=${'x'.repeat(100 * 1024)}` })
    expectJsonError(response, 414)
  })

  it('RL-05 a query string over the limit but within Node\'s header budget gets the 414 error page at /authorize', async () => {
    const response = await rawRequest(server.url, { target: `/authorize?client_id=conf&state=${'x'.repeat(MAX_QUERY_LENGTH)}` })
    expect(response.status).toBe(414)
    expect(response.header('content-type')).toMatch(/^text\/html/)
    const json = await rawRequest(server.url, { target: `/userinfo?x=${'x'.repeat(MAX_QUERY_LENGTH)}` })
    expectJsonError(json, 414)
  })

  it('RL-05 a 1 MB JWT in Authorization is refused with 431 by the AS and the API', async () => {
    const huge = `Bearer ${'a'.repeat(1024 * 1024)}`
    for (const target of ['/userinfo', '/api/me']) expectJsonError(await rawRequest(server.url, { target, headers: [['Authorization', huge]] }), 431)
  })

  it('RL-05 a bearer token over the parser limit but within the header budget is an invalid_token', async () => {
    const token = `Bearer ${'a'.repeat(9000)}`
    for (const target of ['/userinfo', '/api/me']) {
      const response = await rawRequest(server.url, { target, headers: [['Authorization', token]] })
      expect(response.status).toBe(401)
      expect(response.header('www-authenticate')).toMatch(/error="invalid_token"/)
    }
  })

  it('RL-05 too many parameters or an overlong one is an invalid_request', async () => {
    const { conf } = server.clients
    const many: [string, string][] = Array.from({ length: MAX_PARAMETERS + 1 }, (_, index) => [`p${index}`, 'v'])
    expectJsonError(await postBody('/token', form([['grant_type', 'client_credentials'], ...many]), { authorization: basic(conf.id, conf.secret ?? '') }), 400)
    expectJsonError(await postBody('/introspect', form([['token', 'a'.repeat(MAX_PARAMETER_LENGTH + 1)]]), { authorization: basic(conf.id, conf.secret ?? '') }), 400)
    const page = await postBody('/authorize', form([['client_id', 'conf'], ['redirect_uri', `${conf.redirectUri}${'a'.repeat(MAX_PARAMETER_LENGTH)}`]]))
    expect(page.status).toBe(400)
    expect(page.header('content-type')).toMatch(/^text\/html/)
  })

  it('RL-05 a malformed request line or header is a 400 with an OAuth error body, not a dropped connection', async () => {
    expectJsonError(await rawRequest(server.url, { target: '/token\u0000' }), 400)
    expectJsonError(await rawRequest(server.url, { target: '/token', headers: [['X-Bad', Buffer.from('a\u0000b')]] }), 400)
  })
})

describe('RL-05 with the node:http adapter', () => {
  it('RL-05 nodeHandler refuses a 10 MB body (declared or chunked) with 413, and answerClientError gives parser errors a JSON body', async () => {
    const { createServer } = await import('node:http')
    const { answerClientError, nodeHandler } = await import('../../src/adapters/node.js')
    const as = server.standalone.server
    const http = createServer(nodeHandler(as, as.issuer))
    http.on('clientError', answerClientError)
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    const address = http.address()
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    try {
      for (const chunked of [false, true]) {
        const response = await rawRequest(base, { method: 'POST', target: '/token', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: TEN_MB, chunked })
        expectJsonError(response, 413)
      }
      expectJsonError(await rawRequest(base, { target: `/authorize?state=${'x'.repeat(100 * 1024)}` }), 414)
      expectJsonError(await rawRequest(base, { target: '/userinfo', headers: [['Authorization', `Bearer ${'a'.repeat(20 * 1024)}`]] }), 431)
    } finally {
      await new Promise((resolve) => http.close(resolve))
    }
  })
})
