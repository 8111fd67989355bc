/**
 * `tessera-oidc/adapters/node`: mount the authorization server on node:http.
 *
 * @module tessera-oidc/adapters/node
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fromNodeRequest, writeNodeResponse } from '../http/node.js'
import { BodyTooLargeError } from '../http/web.js'
import { jsonResponse } from '../http/response.js'
import type { Handles } from './hono.js'

/** The `clientError` listener that answers requests Node's parser refuses with an OAuth error body. */
export { answerClientError } from '../http/client-error.js'

/**
 * A `node:http` request listener. `base` is the public origin, used instead of the Host header.
 *
 * @example
 * ```ts
 * http.createServer(nodeHandler(server, server.issuer)).listen(4000)
 * ```
 */
export function nodeHandler(target: Handles, base: string, options: { bodyLimit?: number } = {}): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    fromNodeRequest(req, base, options.bodyLimit)
      .then((request) => target.handle(request))
      .then((response) => writeNodeResponse(response, res))
      .catch((error: unknown) => {
        const status = error instanceof BodyTooLargeError ? 413 : 400
        // The rest of a refused body is never read: close the connection rather than parse it as a request.
        writeNodeResponse(jsonResponse(status, { error: 'invalid_request' }, { Connection: 'close' }), res)
      })
  }
}
