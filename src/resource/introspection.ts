import { OAuthError } from '../errors.js'
import { introspectionRequestBody } from '../protocol/rfc7662/introspection-request.js'
import { validateIntrospectionResponse as validateRfc7662Response } from '../protocol/rfc7662/introspection-response.js'
import type { VerifiedToken } from './jwt-verifier.js'
import { actorOf } from './principal.js'

export interface IntrospectionCall {
  endpoint: string
  clientId: string
  clientSecret: string
  issuer: string
  audience: string
  /** Seconds. */
  clockTolerance: number
  /** Seconds since the epoch. */
  now: number
  fetch: typeof fetch
}

const TIMEOUT_MS = 5000

function unavailable(detail: string, cause?: unknown): OAuthError {
  return new OAuthError('temporarily_unavailable', 'The authorization server could not be reached', { detail, cause })
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before the Basic encoding. */
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`
}

/**
 * Validates an RFC 7662 §2.2 answer with `validateIntrospectionResponse` of `protocol/rfc7662`, as the
 * principal of this API. Throws `invalid_token`, or `temporarily_unavailable` for a body that is no JSON
 * object.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export function validateIntrospectionResponse(body: unknown, call: Pick<IntrospectionCall, 'issuer' | 'audience' | 'clockTolerance' | 'now'>): VerifiedToken {
  const { response, scopes, expiresAt } = validateRfc7662Response(body, call)
  const actor = actorOf(response)
  return { principal: { subject: response.sub, clientId: response.client_id, scopes, claims: response, ...(actor ? { actor } : {}) }, expiresAt }
}

/**
 * Asks the authorization server about a token with a client-authenticated POST (RFC 7662 §2.1,
 * `client_secret_basic`) and validates the answer. Throws `invalid_token`, or `temporarily_unavailable`
 * when the endpoint cannot be reached or refuses this resource server's credentials.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 */
export async function introspectAccessToken(token: string, call: IntrospectionCall): Promise<VerifiedToken> {
  let response: Response
  try {
    response = await call.fetch(call.endpoint, {
      method: 'POST',
      headers: {
        authorization: basicCredentials(call.clientId, call.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: introspectionRequestBody({ token, tokenTypeHint: 'access_token' }),
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
  } catch (cause) {
    throw unavailable(`POST ${call.endpoint} failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause)
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    throw unavailable(`POST ${call.endpoint} answered ${response.status}`)
  }
  let body: unknown
  try {
    body = await response.json()
  } catch (cause) {
    throw unavailable(`POST ${call.endpoint} did not answer JSON`, cause)
  }
  return validateIntrospectionResponse(body, call)
}
