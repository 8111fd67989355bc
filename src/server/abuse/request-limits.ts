import { OAuthError } from '../../errors.js'
import { MAX_QUERY_LENGTH, type OAuthRequest } from '../../http/types.js'

/**
 * Size limits checked before any endpoint runs (catalogue RL-05). The body is bounded by the adapters
 * while reading, headers by Node's `maxHeaderSize` (431), parameter counts and lengths by the form parser;
 * this adds the query string: 414 (RFC 9110 §15.5.15) rather than parsing 100 KB of parameters.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.15
 */
export function requestSizeError(request: OAuthRequest): OAuthError | undefined {
  if (request.url.search.length > MAX_QUERY_LENGTH) {
    return new OAuthError('invalid_request', 'The query string is too long', { status: 414 })
  }
  return undefined
}
