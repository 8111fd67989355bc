import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser } from '../helpers/http-client.js'
import { authorize, exchangeCode, startTestServer, type TestServer } from '../helpers/tessera.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ store: 'memory' })
})
afterAll(async () => {
  await server?.close()
})

describe('smoke', () => {
  it('logs in and exchanges a code', async () => {
    const browser = new Browser()
    const result = await authorize(server, browser, { client: server.clients.conf, scope: 'openid profile email offline_access', nonce: 'n-1' })
    expect(result.params.get('iss')).toBe(server.url)
    expect(result.params.get('state')).toBe('state-123')
    const response = await exchangeCode(server, server.clients.conf, result)
    const body = await response.json()
    expect(response.status, JSON.stringify(body)).toBe(200)
    expect(body.refresh_token).toBeTypeOf('string')
    expect(body.id_token).toBeTypeOf('string')
    const userinfo = await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${body.access_token}` } })
    expect(await userinfo.json()).toMatchObject({ sub: server.users.alice.id, name: 'Alice Liddell' })
  })
})
