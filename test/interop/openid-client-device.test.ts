import * as client from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../src/server/admin.js'
import { deviceAuthorization, DEVICE_CODE_GRANT_TYPE } from '../../src/server/device/index.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { startTestServer, type TestServer } from '../helpers/tessera.js'

/**
 * Device flow interop (RFC 8628) with panva's `openid-client` v6: its `initiateDeviceAuthorization` and its
 * own polling (`pollDeviceAuthorizationGrant`, honouring `interval` and `slow_down`) with DPoP proofs, while
 * the user approves at Tessera's verification page over real loopback HTTP; then the demo notes API and a
 * refresh with the same key.
 */

const TIMEOUT = 30_000
const INSECURE = { execute: [client.allowInsecureRequests] }

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ store: 'memory', capabilities: [deviceAuthorization({ intervalSeconds: 1 })] })
  await createClient(server.store, {
    name: 'TV app', clientId: 'tv-app', authMethod: 'none', grantTypes: [DEVICE_CODE_GRANT_TYPE, 'refresh_token'],
    scopes: ['openid', 'offline_access', 'notes:read'],
  }, Math.floor(Date.now() / 1000), { registry: server.standalone.server.registry })
})
afterAll(async () => {
  await server?.close()
})

/** The user at `/device`: signs in, enters the code, approves. */
async function approve(userCode: string): Promise<void> {
  const browser = new Browser()
  let response = await browser.get(`${server.url}/device`)
  for (let step = 0; step < 8 && response.status === 303; step++) {
    const next = new URL(response.headers.get('location') ?? '', server.url)
    if (next.pathname.startsWith('/interaction/')) {
      const form = parseForm(await (await browser.get(next.href)).text())
      response = await browser.post(form.action, { ...form.fields, username: 'alice', password: 'alice-password' })
    } else {
      response = await browser.get(next.href)
    }
  }
  const csrf = parseForm(await response.text()).fields.csrf_token ?? ''
  const confirm = await browser.post(`${server.url}/device`, { csrf_token: csrf, user_code: userCode })
  expect(confirm.status).toBe(200)
  const done = await browser.post(`${server.url}/device`, { csrf_token: csrf, user_code: userCode, decision: 'approve' })
  expect(await done.text()).toContain('Device connected')
}

describe('openid-client v6 with the device authorization grant', () => {
  it('initiates, polls until the user approves, and gets DPoP-bound tokens that read the demo API and refresh', async () => {
    const config = await client.discovery(new URL(server.url), 'tv-app', undefined, client.None(), INSECURE)
    expect(config.serverMetadata().device_authorization_endpoint).toBe(`${server.url}/device_authorization`)
    const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
    const started = await client.initiateDeviceAuthorization(config, { scope: 'openid offline_access notes:read' })
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
    const [tokens] = await Promise.all([client.pollDeviceAuthorizationGrant(config, started, undefined, { DPoP }), approve(started.user_code)])
    expect(tokens.token_type.toLowerCase()).toBe('dpop')
    expect(tokens.claims()?.sub).toBe(server.users.alice.id)
    const notes = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${server.url}/api/notes`), 'GET', undefined, undefined, { DPoP })
    expect(notes.status).toBe(200)
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token ?? '', undefined, { DPoP })
    expect(refreshed.token_type.toLowerCase()).toBe('dpop')
    // The public client's refresh family is bound to the key: another key cannot use it.
    const thief = client.getDPoPHandle(config, await client.randomDPoPKeyPair())
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token ?? '', undefined, { DPoP: thief })).rejects.toThrow()
  }, TIMEOUT)
})
