/**
 * `tessera-oidc/adapters/node`: mount the authorization server on node:http, and so in Express, Fastify or
 * any framework that hands out Node's request and response.
 *
 * @module tessera-oidc/adapters/node
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fromNodeRequest, writeNodeResponse } from '../http/node.js'
import { BodyTooLargeError } from '../http/web.js'
import { jsonResponse } from '../http/response.js'
import type { OAuthRequest } from '../http/types.js'
import type { Handles } from './hono.js'

/** The `clientError` listener that answers requests Node's parser refuses with an OAuth error body. */
export { answerClientError } from '../http/client-error.js'

/**
 * Writes an `OAuthResponse` (status, headers, every `Set-Cookie`, body) to a Node response and ends it.
 *
 * @example writeNodeResponse(clientRedirectResponse(ctx, await oauth.authorizeRedirect(ctx, 'google', callback)), res)
 */
export { writeNodeResponse } from '../http/node.js'

/** What Express adds to Node's request: the URL before a mount path was cut off, and what a body parser read. */
interface FrameworkRequest extends IncomingMessage {
  originalUrl?: string
  body?: unknown
}

/** The body could not be had: another middleware read it into something that is not a form or JSON. */
class BodyUnavailableError extends Error {}

/**
 * The body a parser before the mount already read, as bytes again: raw bytes or text as they are, a JSON
 * document re-serialized, a form re-encoded (repeated names kept, so they are still refused).
 */
function bodyReadBefore(req: FrameworkRequest): Uint8Array {
  const body = req.body
  if (body === undefined) return new Uint8Array()
  if (body instanceof Uint8Array) return body
  if (typeof body === 'string') return Buffer.from(body)
  const type = req.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase()
  if (type === 'application/json') return Buffer.from(JSON.stringify(body))
  if (type !== 'application/x-www-form-urlencoded' || typeof body !== 'object' || body === null) throw new BodyUnavailableError()
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      // `express.urlencoded({ extended: true })` nests bracketed names; no OAuth parameter has one.
      if (typeof item !== 'string') throw new BodyUnavailableError()
      form.append(name, item)
    }
  }
  return Buffer.from(form.toString())
}

async function toOAuthRequest(req: FrameworkRequest, base: string, bodyLimit: number | undefined): Promise<OAuthRequest> {
  // Express's `app.use('/oidc', …)` cuts the mount path off `req.url`; the server routes on the whole path.
  const url = req.originalUrl ?? req.url ?? '/'
  if (!req.readableEnded) return fromNodeRequest(req, base, bodyLimit, url)
  const request = await fromNodeRequest(req, base, bodyLimit, url, false)
  return request.method === 'GET' || request.method === 'HEAD' ? request : { ...request, body: bodyReadBefore(req) }
}

/**
 * A `node:http` request listener, also an Express or Connect middleware. `base` is the public origin, used
 * instead of the Host header. Under a mount path the issuer carries the path and every request keeps it:
 * Express's `req.originalUrl` is read, not the `req.url` it rewrote. A body an earlier parser read
 * (`express.urlencoded()`, `express.json()`) is taken from `req.body`; mounting before any parser spares that.
 *
 * @example
 * ```ts
 * http.createServer(nodeHandler(server, server.issuer)).listen(4000)
 * // Express, issuer https://example.com/oidc
 * app.use('/oidc', nodeHandler(server, server.issuer))
 * ```
 */
export function nodeHandler(target: Handles, base: string, options: { bodyLimit?: number } = {}): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    toOAuthRequest(req, base, options.bodyLimit)
      .then((request) => target.handle(request))
      .then((response) => writeNodeResponse(response, res))
      .catch((error: unknown) => {
        const status = error instanceof BodyTooLargeError ? 413 : 400
        const description = error instanceof BodyUnavailableError ? 'The request body could not be read' : undefined
        // The rest of a refused body is never read: close the connection rather than parse it as a request.
        writeNodeResponse(jsonResponse(status, { error: 'invalid_request', ...(description ? { error_description: description } : {}) }, { Connection: 'close' }), res)
      })
  }
}
