/**
 * `require_mfa` as a dynamic-registration member (RFC 7591 §2 extension; src/server/mfa/registration.ts):
 * stored with an initial access token, refused under open registration, echoed in the registration response
 * and RFC 7592 reads, tightened but never loosened with the registration access token.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { CLIENT_MFA_POLICY } from '../../../src/server/mfa/records.js'
import { createInitialAccessToken, dynamicRegistration } from '../../../src/server/rfc7591/index.js'
import { startTestServer, type TestServer } from '../../helpers/tessera.js'

const servers: TestServer[] = []
afterAll(async () => {
  for (const server of servers) await server.close()
})

const metadata = { client_name: 'mfa app', redirect_uris: ['https://app.example/callback'], token_endpoint_auth_method: 'client_secret_basic' }

function register(server: TestServer, body: Record<string, unknown>, token?: string): Promise<Response> {
  return fetch(`${server.url}/register`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
  })
}

async function required(server: TestServer, clientId: string): Promise<boolean> {
  return (await server.store.records.get(CLIENT_MFA_POLICY, clientId, Math.floor(Date.now() / 1000)))?.value.require_mfa === true
}

async function initialAccessToken(server: TestServer): Promise<string> {
  return (await createInitialAccessToken(server.store, { now: Math.floor(Date.now() / 1000), expiresIn: 600 })).token
}

describe('require_mfa in dynamic registration', () => {
  it('is stored and echoed with an initial access token; the registration access token can keep it but not turn it off', async () => {
    const server = await startTestServer({ store: 'memory', capabilities: [dynamicRegistration({ policy: 'token' })] })
    servers.push(server)
    const created = await register(server, { ...metadata, require_mfa: true }, await initialAccessToken(server))
    const body = (await created.json()) as Record<string, unknown>
    expect(created.status, JSON.stringify(body)).toBe(201)
    expect(body.require_mfa).toBe(true)
    const clientId = String(body.client_id)
    expect(await required(server, clientId)).toBe(true)

    let token = String(body.registration_access_token)
    const uri = String(body.registration_client_uri)
    const read = await fetch(uri, { headers: { authorization: `Bearer ${token}` } })
    expect(await read.json()).toMatchObject({ require_mfa: true })
    const put = async (member: unknown): Promise<Response> => {
      const answer = await fetch(uri, {
        method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ ...metadata, client_id: clientId, ...(member === undefined ? {} : { require_mfa: member }) }),
      })
      const json = (await answer.clone().json()) as Record<string, unknown>
      if (answer.status === 200) token = String(json.registration_access_token)
      return answer
    }
    const loosened = await put(false)
    expect(loosened.status).toBe(400)
    expect(await loosened.json()).toMatchObject({ error: 'invalid_client_metadata' })
    expect(await required(server, clientId)).toBe(true)
    const malformed = await put('yes')
    expect(malformed.status).toBe(400)
    expect(await malformed.json()).toMatchObject({ error: 'invalid_client_metadata' })
    const echoed = await put(true)
    expect(echoed.status).toBe(200)
    expect(await echoed.json()).toMatchObject({ require_mfa: true })
    // Omitted: kept (the operator removes it with `tessera-oidc client update --no-require-mfa`).
    const omitted = await put(undefined)
    expect(omitted.status).toBe(200)
    expect(await omitted.json()).toMatchObject({ require_mfa: true })
    expect(await required(server, clientId)).toBe(true)
  })

  it('a client registered without it may turn it on with its registration access token; false is echoed, nothing stored', async () => {
    const server = await startTestServer({ store: 'memory', capabilities: [dynamicRegistration({ policy: 'token' })] })
    servers.push(server)
    const created = await register(server, { ...metadata, require_mfa: false }, await initialAccessToken(server))
    const body = (await created.json()) as Record<string, unknown>
    expect(created.status).toBe(201)
    expect(body.require_mfa).toBe(false)
    const clientId = String(body.client_id)
    expect(await required(server, clientId)).toBe(false)
    const read = (await (await fetch(String(body.registration_client_uri), { headers: { authorization: `Bearer ${String(body.registration_access_token)}` } })).json()) as Record<string, unknown>
    expect(read.require_mfa).toBeUndefined()
    const tightened = await fetch(String(body.registration_client_uri), {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${String(body.registration_access_token)}` },
      body: JSON.stringify({ ...metadata, client_id: clientId, require_mfa: true }),
    })
    expect(tightened.status).toBe(200)
    expect(await tightened.json()).toMatchObject({ require_mfa: true })
    expect(await required(server, clientId)).toBe(true)
  })

  it('is refused under open registration, at registration and in updates', async () => {
    const server = await startTestServer({ store: 'memory', capabilities: [dynamicRegistration({ policy: 'open' })] })
    servers.push(server)
    const refused = await register(server, { ...metadata, require_mfa: true })
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ error: 'invalid_client_metadata' })
    const plain = await register(server, metadata)
    const body = (await plain.json()) as Record<string, unknown>
    expect(plain.status).toBe(201)
    expect(body.require_mfa).toBeUndefined()
    const update = await fetch(String(body.registration_client_uri), {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${String(body.registration_access_token)}` },
      body: JSON.stringify({ ...metadata, client_id: body.client_id, require_mfa: true }),
    })
    expect(update.status).toBe(400)
    expect(await update.json()).toMatchObject({ error: 'invalid_client_metadata' })
    expect(await required(server, String(body.client_id))).toBe(false)
  })
})
