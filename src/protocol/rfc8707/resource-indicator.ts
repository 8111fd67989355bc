import { OAuthError } from '../../errors.js'

/**
 * Whether `value` may be a resource indicator: an absolute URI without a fragment (RFC 8707 §2). A query
 * is allowed by the RFC (though discouraged), so it is accepted.
 *
 * @example isResourceIndicator('https://api.example.com/v1') // true
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function isResourceIndicator(value: string): boolean {
  if (value.includes('#')) return false
  // URL() also resolves things like "api" against nothing (and throws), but accepts "a:b": a scheme is needed.
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return false
  if (/[\s<>"{}|\\^`]/.test(value)) return false
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}

/**
 * The `resource` parameters of a request (RFC 8707 §2: it may be repeated), each once, in the order given.
 * Throws `invalid_target` for a value that is not an absolute URI without a fragment.
 *
 * @example readResourceIndicators(['https://api.example.com/']) // ['https://api.example.com/']
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function readResourceIndicators(values: readonly string[]): string[] {
  const resources: string[] = []
  for (const value of values) {
    // RFC 6749 §3.1: an empty parameter is treated as omitted.
    if (value === '') continue
    if (!isResourceIndicator(value)) throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment')
    if (!resources.includes(value)) resources.push(value)
  }
  return resources
}
