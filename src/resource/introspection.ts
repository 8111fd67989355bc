import { OAuthError } from '../errors.js'
import { parseScope } from '../protocol/rfc6749/scope.js'
import type { VerifiedToken } from './jwt-verifier.js'

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

function inactive(detail: string): OAuthError {
  return new OAuthError('invalid_token', 'The access token is invalid or expired', { detail })
}

function unavailable(detail: string, cause?: unknown): OAuthError {
  return new OAuthError('temporarily_unavailable', 'The authorization server could not be reached', { detail, cause })
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before the Basic encoding. */
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`
}

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud]
  if (Array.isArray(aud)) return aud.filter((value): value is string => typeof value === 'string')
  return []
}

/**
 * Validates an RFC 7662 §2.2 answer: `active` is `true`, the token is a bearer access token (not the
 * refresh token an authorization server would also describe), `iss` is the issuer when given, `aud`
 * names this API (RFC 9700 §2.3), and `exp`/`nbf` hold within the clock tolerance.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export function validateIntrospectionResponse(body: unknown, call: Pick<IntrospectionCall, 'issuer' | 'audience' | 'clockTolerance' | 'now'>): VerifiedToken {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw unavailable('introspection answer is not a JSON object')
  const claims = body as Record<string, unknown>
  if (claims.active !== true) throw inactive('introspection answered active: false')
  const { token_type: tokenType, iss, aud, exp, nbf, sub, client_id: clientId, scope } = claims
  // RFC 7662 §2.2 `token_type` (RFC 6749 §5.1 values); Tessera answers `refresh_token` for refresh tokens.
  if (tokenType !== undefined && !(typeof tokenType === 'string' && ['bearer', 'access_token'].includes(tokenType.toLowerCase()))) {
    throw inactive(`token_type ${JSON.stringify(tokenType)} is not a bearer access token`)
  }
  if (iss !== undefined && iss !== call.issuer) throw inactive(`iss ${JSON.stringify(iss)} is not the issuer`)
  if (!audiences(aud).includes(call.audience)) throw inactive(`aud ${JSON.stringify(aud)} does not name ${call.audience}`)
  if (exp !== undefined && (typeof exp !== 'number' || exp <= call.now - call.clockTolerance)) throw inactive('exp has passed')
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > call.now + call.clockTolerance)) throw inactive('nbf is in the future')
  if (typeof sub !== 'string' || sub === '') throw inactive('sub is missing')
  if (typeof clientId !== 'string' || clientId === '') throw inactive('client_id is missing')
  if (scope !== undefined && typeof scope !== 'string') throw inactive('scope is not a string')
  let scopes: string[]
  try {
    scopes = parseScope(scope)
  } catch {
    throw inactive('scope is malformed')
  }
  return { principal: { subject: sub, clientId, scopes, claims }, expiresAt: typeof exp === 'number' ? exp : Infinity }
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
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
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
