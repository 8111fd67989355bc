import { OAuthError } from '../../errors.js'
import type { Parameters } from '../../http/form.js'
import { parseScope } from '../rfc6749/scope.js'
import { readResourceIndicators } from '../rfc8707/resource-indicator.js'
import { TOKEN_TYPES, tokenTypeName, type TokenTypeName } from './token-types.js'

/**
 * A token exchange request (RFC 8693 §2.1) whose parameters are well formed. What the tokens say, and
 * whether policy allows the exchange, is for the authorization server to judge afterwards.
 */
export interface TokenExchangeRequest {
  readonly subjectToken: string
  readonly subjectTokenType: TokenTypeName
  /** The actor's token and its type, both present or both absent (§2.1). */
  readonly actor: { readonly token: string; readonly type: TokenTypeName } | undefined
  /** §2.1 `requested_token_type`; undefined when the client leaves the choice to the server. */
  readonly requestedTokenType: TokenTypeName | undefined
  /** §2.1 `resource` (RFC 8707): absolute URIs, each once. */
  readonly resources: readonly string[]
  /** §2.1 `audience`: logical names of target services, each once. */
  readonly audiences: readonly string[]
  readonly scopes: readonly string[]
}

/** The token types a request may name, for the errors to list what this module knows. */
const KNOWN = Object.keys(TOKEN_TYPES).join(', ')

function tokenType(params: Parameters, name: string): TokenTypeName | undefined {
  const value = params.get(name)
  if (value === undefined) return undefined
  const type = tokenTypeName(value)
  // §2.2.2: a type the server does not understand makes the request itself invalid.
  if (type === undefined) throw new OAuthError('invalid_request', `${name} is not a token type this server knows (RFC 8693 §3: ${KNOWN})`)
  return type
}

/**
 * Reads the parameters of a token exchange request (RFC 8693 §2.1): `subject_token` and
 * `subject_token_type` are REQUIRED; `actor_token_type` is REQUIRED with `actor_token` and MUST NOT be
 * sent without it; `requested_token_type`, `resource` (RFC 8707, repeatable), `audience` (repeatable) and
 * `scope` are optional. Throws `invalid_request` for a malformed request and `invalid_target` for a
 * `resource` that is not an absolute URI (RFC 8707 §2). Pure.
 *
 * @example
 * ```ts
 * const request = readTokenExchangeRequest(params) // { subjectToken, subjectTokenType: 'access_token', … }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-2.1
 */
export function readTokenExchangeRequest(params: Parameters): TokenExchangeRequest {
  const subjectToken = params.get('subject_token')
  if (subjectToken === undefined) throw new OAuthError('invalid_request', 'Missing parameter subject_token')
  const subjectTokenType = tokenType(params, 'subject_token_type')
  if (subjectTokenType === undefined) throw new OAuthError('invalid_request', 'Missing parameter subject_token_type')
  const actorToken = params.get('actor_token')
  const actorTokenType = tokenType(params, 'actor_token_type')
  if (actorToken !== undefined && actorTokenType === undefined) throw new OAuthError('invalid_request', 'actor_token_type is required with actor_token')
  if (actorToken === undefined && actorTokenType !== undefined) throw new OAuthError('invalid_request', 'actor_token_type must not be sent without actor_token')
  const audiences: string[] = []
  for (const value of params.all('audience')) if (value !== '' && !audiences.includes(value)) audiences.push(value)
  return {
    subjectToken,
    subjectTokenType,
    actor: actorToken !== undefined && actorTokenType !== undefined ? { token: actorToken, type: actorTokenType } : undefined,
    requestedTokenType: tokenType(params, 'requested_token_type'),
    resources: readResourceIndicators(params.all('resource')),
    audiences,
    scopes: parseScope(params.get('scope')),
  }
}
