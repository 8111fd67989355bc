import { OAuthError } from '../../errors.js'

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/** Whether `token` has the RFC 6750 §2.1 b64token syntax (and the length bound). */
export function isBearerTokenSyntax(token: string): boolean {
  return token.length <= MAX_BEARER_TOKEN_LENGTH && B64TOKEN.test(token)
}

/** Larger tokens are refused before any parsing or crypto (catalogue RS-03, RL-05). */
export const MAX_BEARER_TOKEN_LENGTH = 8192

export interface BearerSources {
  /** The `Authorization` header, if any. */
  authorization: string | null
  /** `access_token` from an `application/x-www-form-urlencoded` body, if the caller parsed one. */
  formToken?: string | undefined
  /** Whether the query string carried `access_token` (refused: RFC 9700 §4.3.2). */
  queryToken?: boolean
}

/**
 * Extracts a bearer token per RFC 6750 §2. The scheme is case-insensitive (RFC 9110 §11.1); exactly one
 * method may be used (§2: "MUST NOT use more than one method"); the URI query method is not accepted.
 * Returns `undefined` when no token was sent at all — the caller then answers a challenge without an
 * error code (§3.1). `known` names tokens whose syntax was checked before (a verification cache holding
 * only such tokens), so that a long token is not scanned again on every request.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2
 */
export function extractBearerToken(sources: BearerSources, known?: (token: string) => boolean): string | undefined {
  const { authorization, formToken, queryToken } = sources
  let headerToken: string | undefined
  if (authorization !== null) {
    const space = authorization.indexOf(' ')
    const scheme = space === -1 ? authorization : authorization.slice(0, space)
    if (scheme.toLowerCase() !== 'bearer') throw new OAuthError('invalid_request', 'Unsupported authorization scheme')
    headerToken = space === -1 ? '' : authorization.slice(space + 1).trim()
    if (headerToken === '') throw new OAuthError('invalid_request', 'Empty bearer token')
  }
  const methods = Number(headerToken !== undefined) + Number(formToken !== undefined) + Number(queryToken === true)
  if (methods > 1) throw new OAuthError('invalid_request', 'Use exactly one method to send the access token')
  // A token only in the query is treated as no token at all (RFC 9700 §4.3.2 rules the method out).
  const token = headerToken ?? formToken
  if (token === undefined) return undefined
  if (!known?.(token) && !isBearerTokenSyntax(token)) {
    throw new OAuthError('invalid_token', 'Malformed access token')
  }
  return token
}
