import { ClientError, createBroker, type Broker, type BrokerLogin, type ClientUser } from '../../client/broker.js'
import { guardedFetch, type OutboundPolicy } from '../../http/guarded-fetch.js'
import type { ResolvedFederation } from './options.js'

/**
 * Every request to an upstream (discovery, JWKS, token, userinfo, profile API) through the one SSRF guard,
 * `guardedFetch`, as the `fetch` oauth4webapi calls: https only (loopback with `--allow-loopback-fetch`),
 * no special-use destination, no redirect, bounded size and time.
 */
function guardedTransport(policy: OutboundPolicy, timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const headers: Record<string, string> = {}
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value
    })
    const body = init?.body
    const payload = body === undefined || body === null ? undefined : typeof body === 'string' ? body : body instanceof URLSearchParams ? body.toString() : body instanceof Uint8Array ? body : undefined
    if (body !== undefined && body !== null && payload === undefined) throw new TypeError('upstream request body of an unsupported type')
    const method = init?.method === 'POST' ? 'POST' : 'GET'
    const answer = await guardedFetch(url, { method, headers, ...(payload !== undefined ? { body: payload } : {}), timeoutMs }, policy)
    const empty = answer.status === 204 || answer.status === 304
    return new Response(empty ? null : new Uint8Array(answer.body), { status: answer.status, headers: answer.headers })
  }
}

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'pushed_authorization_request_endpoint', 'revocation_endpoint'] as const

function originOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  try {
    return new URL(value).origin
  } catch {
    return undefined
  }
}

/** The upstreams of one server: a broker over its outbound policy, and the mix-up checks of its metadata. */
export interface Upstreams {
  /** The issuer identifier of an upstream: with the subject, what identifies its users (OIDC Core §5.7). */
  issuer(id: string): string
  begin(id: string, redirectUri: string, params?: Record<string, string>): Promise<{ url: string; login: BrokerLogin }>
  complete(id: string, login: BrokerLogin, callback: URLSearchParams): Promise<ClientUser>
  /** The origin of the upstream's authorization endpoint (discovered once), for the login page's CSP. */
  authorizationOrigin(id: string): Promise<string | undefined>
}

export function createUpstreams(federation: ResolvedFederation, policy: OutboundPolicy, warn: (message: string) => void): Upstreams {
  const broker: Broker = createBroker({ fetch: guardedTransport(policy, federation.timeoutMs), timeoutMs: federation.timeoutMs, warn })
  for (const upstream of federation.upstreams.values()) broker.register(upstream.registration)

  /**
   * RFC 9700 §4.4.2 / OIDC Discovery §4.3 (catalogue FD-05): an upstream whose metadata names an endpoint
   * at another configured upstream's issuer is refused before anything is sent, so one upstream cannot
   * have the code or the client credentials of another delivered to itself, nor pass off another's
   * endpoints as its own.
   */
  async function checkedMetadata(id: string): Promise<void> {
    const as = await broker.metadata(id)
    const own = originOf(as.issuer)
    const others = new Set([...federation.upstreams.values()].filter((upstream) => upstream.id !== id).map((upstream) => originOf(broker.issuer(upstream.id))))
    for (const field of ENDPOINTS) {
      const origin = originOf(as[field])
      if (origin !== undefined && origin !== own && others.has(origin)) {
        throw new ClientError('provider_misconfigured', { detail: `${id}: ${field} is at another upstream's issuer (${origin})` })
      }
    }
  }

  return {
    issuer: (id) => broker.issuer(id) ?? id,
    authorizationOrigin: async (id) => originOf((await broker.metadata(id)).authorization_endpoint),
    async begin(id, redirectUri, params) {
      await checkedMetadata(id)
      return broker.begin(id, redirectUri, params)
    },
    async complete(id, login, callback) {
      await checkedMetadata(id)
      return broker.complete(id, login, callback)
    },
  }
}
