/**
 * `tessera-oidc/adapters/hono`: mount the authorization server on Hono.
 *
 * @module tessera-oidc/adapters/hono
 */
import type { IncomingMessage } from 'node:http'
import type { Context, Handler } from 'hono'
import { readNodeBody } from '../http/node.js'
import { BodyTooLargeError, fromWebRequest, payloadTooLarge, toWebResponse } from '../http/web.js'
import { DEFAULT_BODY_LIMIT, type OAuthRequest, type OAuthResponse } from '../http/types.js'

/** What the adapter mounts: anything that answers an `OAuthRequest`, such as an `AuthorizationServer`. */
export interface Handles {
  /** Answers one request. */
  handle(request: OAuthRequest): Promise<OAuthResponse>
}

/**
 * The Node request behind `c.req.raw` on `@hono/node-server` (`env.incoming`), while its body is still
 * unread. Reading from it directly spares the undici `Request`, web streams and `AbortSignal` that
 * `c.req.raw.body` makes node-server build; a body something else started to read (a listener is
 * attached, or bytes were taken) goes through the web `Request` as on any other runtime.
 */
function unreadIncoming(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  if (typeof incoming?.listenerCount !== 'function') return undefined
  return !incoming.readableDidRead && incoming.listenerCount('data') === 0 ? incoming : undefined
}

async function toOAuthRequest(c: Context, bodyLimit: number): Promise<OAuthRequest> {
  const incoming = unreadIncoming(c)
  if (!incoming) {
    const remoteAddress = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress
    return fromWebRequest(c.req.raw, { bodyLimit, ...(remoteAddress ? { remoteAddress } : {}) })
  }
  const raw = c.req.raw
  // node-server's headers are a lazy view over `rawHeaders`: nothing is copied for the few that are read.
  if (Number(raw.headers.get('content-length') ?? '0') > bodyLimit) throw new BodyTooLargeError()
  const method = raw.method
  return {
    method,
    url: new URL(raw.url),
    headers: raw.headers,
    body: method !== 'GET' && method !== 'HEAD' ? await readNodeBody(incoming, bodyLimit) : undefined,
    remoteAddress: incoming.socket.remoteAddress,
  }
}

/**
 * A Hono handler for anything with `handle()` (the authorization server, the demo API).
 *
 * @example
 * ```ts
 * app.all('*', honoHandler(server))
 * ```
 */
export function honoHandler(target: Handles, options: { bodyLimit?: number } = {}): Handler {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  return async (c: Context) => {
    let request: OAuthRequest
    try {
      request = await toOAuthRequest(c, bodyLimit)
    } catch (error) {
      if (error instanceof BodyTooLargeError) return payloadTooLarge()
      throw error
    }
    return toWebResponse(await target.handle(request))
  }
}
