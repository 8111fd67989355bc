import { createClient } from '../../src/server/admin.js'
import { adminApi } from '../../src/server/admin-api/index.js'
import { OpenApiDocument, type ReceivedResponse } from './openapi.js'
import { clientPost, startTestServer, type TestClient, type TestServer } from './tessera.js'

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
  }
  /** A client-credentials access token of `client` (all its scopes, or `scope`). */
  token(client: TestClient, scope?: string): Promise<string>
  /** Calls `/admin/v1{path}`, checks the answer against the document, and returns it. */
  call(method: string, path: string, options?: AdminCallOptions): Promise<AdminResponse>
  close(): Promise<void>
}

async function adminClient(store: TestServer['store'], id: string, scopes: string[]): Promise<TestClient> {
  const { clientSecret } = await createClient(store, { name: `Admin ${id}`, clientId: id, grantTypes: ['client_credentials'], scopes }, Math.floor(Date.now() / 1000))
  return { id, secret: clientSecret, method: 'client_secret_basic', redirectUri: '' }
}

export async function startAdminHarness(options: Parameters<typeof startTestServer>[0] = {}): Promise<AdminHarness> {
  const server = await startTestServer({ ...options, capabilities: [adminApi(), ...(options.capabilities ?? [])] })
  const admins = {
    full: await adminClient(server.store, 'ops', ['admin:read', 'admin:write']),
    reader: await adminClient(server.store, 'auditor', ['admin:read']),
    clientsOnly: await adminClient(server.store, 'provisioner', ['admin:clients:read', 'admin:clients:write']),
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
