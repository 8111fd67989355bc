/**
 * Where a client's token exchange policy comes from — the configuration (capability options), the CLI's
 * stored record, dynamic registration's `token_exchange_policy` member (with an initial access token only)
 * — and how it is validated.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/server/config.js'
import { createInitialAccessToken, dynamicRegistration } from '../../../src/server/rfc7591/index.js'
import { storedTokenExchangePolicy, tokenExchange, tokenExchangePolicyProblem, TOKEN_EXCHANGE_GRANT_TYPE } from '../../../src/server/token-exchange/index.js'
import { startTestServer } from '../../helpers/tessera.js'

describe('tokenExchangePolicyProblem', () => {
  it('accepts a full policy and names every problem of a bad one', () => {
    expect(tokenExchangePolicyProblem({
      resources: ['https://svc.example/api'], subject_token_types: ['access_token', 'id_token'], audiences: ['https://b.example/api'],
      scopes: ['b.read'], delegation: true, impersonation: false, id_jag: [{ audience: 'https://chat.example', client_id: 'wiki', scopes: ['chat.read'] }],
    })).toBeUndefined()
    expect(tokenExchangePolicyProblem([])).toMatch(/JSON object/)
    expect(tokenExchangePolicyProblem({ delegate: true })).toMatch(/no member delegate/)
    expect(tokenExchangePolicyProblem({ subject_token_types: ['refresh_token'] })).toMatch(/subject_token_types/)
    expect(tokenExchangePolicyProblem({ resources: ['not a uri'] })).toMatch(/resources/)
    expect(tokenExchangePolicyProblem({ scopes: ['a b'] })).toMatch(/scopes/)
    expect(tokenExchangePolicyProblem({ delegation: 'yes' })).toMatch(/delegation/)
    expect(tokenExchangePolicyProblem({ id_jag: [{ audience: 'urn:x', client_id: 'wiki' }] })).toMatch(/id_jag\[0\]\.audience/)
    expect(tokenExchangePolicyProblem({ id_jag: [{ audience: 'https://chat.example' }] })).toMatch(/client_id/)
  })

  it('a configured policy that is not valid stops the server from being built, naming the client', () => {
    expect(() => tokenExchange({ clients: { orders: { delegation: 'yes' } as never } })).toThrow(ConfigError)
    expect(() => tokenExchange({ clients: { orders: { delegation: 'yes' } as never } })).toThrow(/tokenExchange\.clients\.orders/)
  })
})

describe('token_exchange_policy in dynamic registration', () => {
  const servers: Array<{ close(): Promise<void> }> = []
  afterAll(async () => {
    for (const server of servers) await server.close()
  })
  const register = (url: string, body: Record<string, unknown>, token?: string): Promise<Response> => fetch(`${url}/register`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
  })
  const metadata = { client_name: 'svc', grant_types: [TOKEN_EXCHANGE_GRANT_TYPE], token_endpoint_auth_method: 'client_secret_basic', scope: 'notes:read' }

  it('is stored and echoed with an initial access token, refused when malformed', async () => {
    const server = await startTestServer({ capabilities: [dynamicRegistration({ policy: 'token' }), tokenExchange()] })
    servers.push(server)
    const discovery = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>
    expect(discovery.grant_types_supported).toContain(TOKEN_EXCHANGE_GRANT_TYPE)
    expect(discovery.identity_chaining_requested_token_types_supported).toEqual(['urn:ietf:params:oauth:token-type:id-jag'])
    const now = Math.floor(Date.now() / 1000)
    const policy = { audiences: [`${server.url}/api`], delegation: true }
    const { token } = await createInitialAccessToken(server.store, { now, expiresIn: 600 })
    const created = await register(server.url, { ...metadata, token_exchange_policy: policy }, token)
    const body = (await created.json()) as Record<string, unknown>
    expect(created.status, JSON.stringify(body)).toBe(201)
    expect(body.token_exchange_policy).toEqual(policy)
    expect(await storedTokenExchangePolicy(server.store, String(body.client_id), now)).toEqual(policy)

    // RFC 7592: read back with the registration; the client's own token cannot change it.
    const uri = String(body.registration_client_uri)
    const read = await fetch(uri, { headers: { authorization: `Bearer ${String(body.registration_access_token)}` } })
    expect(await read.json()).toMatchObject({ token_exchange_policy: policy })
    const put = (token: string, member: unknown): Promise<Response> => fetch(uri, {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ...metadata, client_id: body.client_id, token_exchange_policy: member }),
    })
    const widened = await put(String(body.registration_access_token), { ...policy, impersonation: true })
    expect(widened.status).toBe(400)
    expect(await widened.json()).toMatchObject({ error: 'invalid_client_metadata' })
    const echoed = await put(String(body.registration_access_token), policy)
    expect(echoed.status).toBe(200)
    expect(await echoed.json()).toMatchObject({ token_exchange_policy: policy })
    expect(await storedTokenExchangePolicy(server.store, String(body.client_id), now)).toEqual(policy)

    const { token: second } = await createInitialAccessToken(server.store, { now, expiresIn: 600 })
    const refused = await register(server.url, { ...metadata, token_exchange_policy: { delegate: true } }, second)
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ error: 'invalid_client_metadata' })
  })

  it('is refused under open registration: anyone could claim an API as their own', async () => {
    const server = await startTestServer({ capabilities: [dynamicRegistration({ policy: 'open' }), tokenExchange()] })
    servers.push(server)
    const refused = await register(server.url, { ...metadata, token_exchange_policy: { resources: [`${server.url}/api`] } })
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ error: 'invalid_client_metadata' })
    const plain = await register(server.url, metadata)
    expect(plain.status).toBe(201)
  })
})
