import type { Context, Handler } from 'hono'
import { BodyTooLargeError, fromWebRequest, payloadTooLarge, toWebResponse } from '../http/web.js'
import type { OAuthRequest, OAuthResponse } from '../http/types.js'

export interface Handles {
  handle(request: OAuthRequest): Promise<OAuthResponse>
}

/** The peer address on Node (`@hono/node-server` exposes the IncomingMessage as `env.incoming`). */
function socketAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  return env?.incoming?.socket?.remoteAddress
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
  return async (c: Context) => {
    let request: OAuthRequest
    try {
      const remoteAddress = socketAddress(c)
      request = await fromWebRequest(c.req.raw, {
        ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
        ...(remoteAddress ? { remoteAddress } : {}),
      })
    } catch (error) {
      if (error instanceof BodyTooLargeError) return payloadTooLarge()
      throw error
    }
    return toWebResponse(await target.handle(request))
  }
}
