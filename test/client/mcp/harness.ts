import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request a harness server saw. */
export interface Seen {
  method: string
  path: string
  query: URLSearchParams
  form: URLSearchParams
  authorization: string | undefined
}

export interface HarnessServer {
  url: string
  seen: Seen[]
  close(): Promise<void>
}

type Handler = (request: Seen, response: ServerResponse) => void

async function body(request: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of request) text += (chunk as Buffer).toString()
  return text
}

/** A loopback HTTP server that records every request and answers with `handle`. */
export async function harnessServer(handle: (url: string) => Handler): Promise<HarnessServer> {
  const seen: Seen[] = []
  let url = ''
  let handler: Handler = () => {}
  const server: Server = createServer((request, response) => {
    void body(request).then((text) => {
      const parsed = new URL(request.url ?? '/', url)
      const entry = { method: request.method ?? 'GET', path: parsed.pathname, query: parsed.searchParams, form: new URLSearchParams(text), authorization: request.headers.authorization }
      seen.push(entry)
      handler(entry, response)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  handler = handle(url)
  return {
    url,
    seen,
    close: () => new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}

export function json(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value))
}

export interface StubAsOptions {
  cimd?: boolean
  registration?: boolean
  methods?: string[]
  /** Issue a refresh token with each token. */
  refresh?: boolean
}

/** A minimal authorization server: metadata, an authorization endpoint that approves at once, a token endpoint, registration. */
export function stubAuthorizationServer(options: StubAsOptions = {}): (url: string) => Handler {
  return (url) => (request, response) => {
    if (request.path === '/.well-known/oauth-authorization-server') {
      return json(response, 200, {
        issuer: url, authorization_endpoint: `${url}/authorize`, token_endpoint: `${url}/token`,
        ...(options.registration === false ? {} : { registration_endpoint: `${url}/register` }),
        response_types_supported: ['code'], code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: options.methods ?? ['none'],
        ...(options.cimd ? { client_id_metadata_document_supported: true } : {}),
      })
    }
    if (request.path === '/authorize') {
      const back = new URL(request.query.get('redirect_uri') ?? '')
      back.searchParams.set('code', 'code-1')
      back.searchParams.set('state', request.query.get('state') ?? '')
      return void response.writeHead(302, { location: back.href }).end()
    }
    if (request.path === '/token') {
      return json(response, 200, { access_token: `at-${request.form.get('grant_type')}-${Date.now()}`, token_type: 'Bearer', expires_in: 300, ...(options.refresh ? { refresh_token: `rt-${Date.now()}` } : {}) })
    }
    if (request.path === '/register') return json(response, 201, { client_id: 'registered-1', token_endpoint_auth_method: 'none', redirect_uris: [] })
    json(response, 404, { error: 'not_found' })
  }
}

/** The harness authorize callback: follows the stub's immediate redirect back. */
export async function approveAtOnce(url: URL): Promise<URL> {
  const response = await fetch(url, { redirect: 'manual' })
  return new URL(response.headers.get('location') ?? '', url)
}
