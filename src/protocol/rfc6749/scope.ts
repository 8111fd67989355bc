import { OAuthError } from '../../errors.js'

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/**
 * Splits a `scope` parameter into unique scope tokens, in the order given. Order carries no meaning
 * (RFC 6749 §3.3), so callers compare as sets.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function parseScope(value: string | undefined): string[] {
  if (value === undefined) return []
  const tokens = value.split(' ').filter((token) => token !== '')
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) throw new OAuthError('invalid_scope', 'Malformed scope value')
  }
  return [...new Set(tokens)]
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ')
}

export function isSubset(requested: readonly string[], allowed: readonly string[]): boolean {
  const set = new Set(allowed)
  return requested.every((scope) => set.has(scope))
}
