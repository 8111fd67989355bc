import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createClient } from '../../src/server/admin.js'
import { adminApi } from '../../src/server/admin-api/index.js'
import { jwtBearerGrant, JWT_BEARER_GRANT_TYPE } from '../../src/server/jwt-bearer/index.js'
import { OpenApiDocument, type ReceivedResponse } from './openapi.js'
import { basicAuth, clientPost, startTestServer, type TestClient, type TestServer, type TestUser } from './tessera.js'

/** A response of the admin API, checked against the OpenAPI document, with its JSON body parsed. */
export interface AdminResponse extends ReceivedResponse {
  json: Record<string, unknown> & { items?: Array<Record<string, unknown>>; next_cursor?: string | null }
}

export interface AdminCallOptions {
  token?: string | undefined
  /** Sent as JSON. */
  body?: unknown
  /** Sent as is (with the given headers). */
  raw?: string
  headers?: Record<string, string>
}

/** The test server with the admin API on, and clients registered for admin scopes as an operator would. */
export interface AdminHarness {
  server: TestServer
  openapi: OpenApiDocument
  admins: {
    /** admin:read admin:write */
    full: TestClient
    /** admin:read */
    reader: TestClient
    /** admin:clients:read admin:clients:write */
    clientsOnly: TestClient
    /** admin:read admin:write for users, by the JWT-bearer grant (RFC 7523): its tokens are users' (`userToken`). */
    console: TestClient
  }
  /** A user token of `console` with admin:read admin:write, from a trusted issuer's assertion for `user`. */
  userToken(user: TestUser): Promise<string>
  /** A client-credentials access token of `client` (all its scopes, or `scope`). */
  token(client: TestClient, scope?: string): Promise<string>
  /** Calls `/admin/v1{path}`, checks the answer against the document, and returns it. */
  call(method: string, path: string, options?: AdminCallOptions): Promise<AdminResponse>
  close(): Promise<void>
}

async function adminClient(store: TestServer['store'], id: string, scopes: string[], grantTypes: string[] = ['client_credentials'], server?: TestServer): Promise<TestClient> {
  const registry = server?.standalone.server.registry
  const { clientSecret } = await createClient(store, { name: `Admin ${id}`, clientId: id, grantTypes, scopes }, Math.floor(Date.now() / 1000), registry ? { registry } : undefined)
  return { id, secret: clientSecret, method: 'client_secret_basic', redirectUri: '' }
}

// The only way a user token gets admin scopes: the authorization endpoint and the device flow refuse scopes
// outside scopes_supported, the JWT-bearer grant takes a client's scopes (RFC 7523 §3.1).
const IDP = 'https://idp.admin.test'
const idpKey = await generateKeyPair('ES256', { extractable: true })
const idpJwk = { ...(await exportJWK(idpKey.publicKey)), kid: 'idp', alg: 'ES256' }

/** `admins`: the administrators of `adminApi({ admins })` (user ids or usernames). */
export async function startAdminHarness(options: Parameters<typeof startTestServer>[0] & { admins?: string[] } = {}): Promise<AdminHarness> {
  const { admins: administrators, ...serverOptions } = options
  const bearer = jwtBearerGrant({ issuers: [{ issuer: IDP, jwks: { keys: [idpJwk] }, algorithms: ['ES256'], clients: ['console'] }] })
  const server = await startTestServer({ ...serverOptions, capabilities: [adminApi({ admins: administrators }), bearer, ...(options.capabilities ?? [])] })
  const admins = {
    full: await adminClient(server.store, 'ops', ['admin:read', 'admin:write']),
    reader: await adminClient(server.store, 'auditor', ['admin:read']),
    clientsOnly: await adminClient(server.store, 'provisioner', ['admin:clients:read', 'admin:clients:write']),
    console: await adminClient(server.store, 'console', ['admin:read', 'admin:write'], [JWT_BEARER_GRANT_TYPE], server),
  }
  async function userToken(user: TestUser): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { issuer: string }
    const assertion = await new SignJWT({ iss: IDP, sub: user.id, aud: discovery.issuer, jti: randomUUID(), iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp' }).sign(idpKey.privateKey)
    const response = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(admins.console) },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT_TYPE, assertion }).toString(),
    })
    const body = (await response.json()) as { access_token?: string }
    if (response.status !== 200 || body.access_token === undefined) throw new Error(`no token for ${user.username}: ${response.status} ${JSON.stringify(body)}`)
    return body.access_token
  }
  const openapi = await OpenApiDocument.fetch(`${server.url}/admin/v1/openapi.json`, `${server.url}/admin/v1`)
  async function call(method: string, path: string, callOptions: AdminCallOptions = {}): Promise<AdminResponse> {
    const url = `${server.url}/admin/v1${path}`
    const headers: Record<string, string> = { ...(callOptions.token !== undefined ? { authorization: `Bearer ${callOptions.token}` } : {}) }
    let body: string | undefined
    if (callOptions.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(callOptions.body)
    }
    if (callOptions.raw !== undefined) body = callOptions.raw
    const response = await fetch(url, { method, headers: { ...headers, ...callOptions.headers }, ...(body !== undefined ? { body } : {}) })
    const text = await response.text()
    const received = { status: response.status, headers: response.headers, text }
    openapi.check(method, url, received)
    return { ...received, json: text === '' ? {} : (JSON.parse(text) as AdminResponse['json']) }
  }
  return {
    server,
    openapi,
    admins,
    userToken,
    async token(client, scope) {
      const response = await clientPost(server, '/token', client, { grant_type: 'client_credentials', ...(scope !== undefined ? { scope } : {}) })
      const body = (await response.json()) as { access_token?: string }
      if (response.status !== 200 || body.access_token === undefined) throw new Error(`no token for ${client.id}: ${response.status} ${JSON.stringify(body)}`)
      return body.access_token
    },
    call,
    close: () => server.close(),
  }
}
