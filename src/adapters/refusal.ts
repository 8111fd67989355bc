/**
 * What the Fastify and Hono adapters tell an app's error handler about a refused request. Internal: not an
 * entry point.
 */
import type { OAuthResponse } from '../http/types.js'

/** The RFC 6750 §3.1 error code of a refusal (none for a request without credentials) and a client-safe message. */
export interface Refusal {
  code: string | undefined
  message: string
}

/** Read from the refusal's own JSON body, so the message is the client-safe description it already carries. */
export function describeRefusal(response: OAuthResponse): Refusal {
  let code: string | undefined
  let description: string | undefined
  if (typeof response.body === 'string' && response.body !== '') {
    try {
      const parsed: unknown = JSON.parse(response.body)
      if (typeof parsed === 'object' && parsed !== null) {
        const members = parsed as Record<string, unknown>
        if (typeof members.error === 'string') code = members.error
        if (typeof members.error_description === 'string') description = members.error_description
      }
    } catch {
      // A body that is not JSON describes nothing: the generic message below stands.
    }
  }
  // RFC 6750 §3.1: a request that sent no credentials gets a challenge without an error code.
  const message = description ?? (response.status === 401 ? 'An access token is required' : response.status === 413 ? 'Request body too large' : 'The request was refused')
  return { code, message }
}
