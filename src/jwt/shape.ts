/**
 * Whether `token` is shaped as a JWS in compact serialization (RFC 7515 §7.1): a non-empty header, a
 * non-empty payload and a signature, separated by exactly two dots. The signature may be empty (an
 * unsecured JWS, RFC 7519 §6.1), so such a token is still routed to JWT verification and refused there.
 *
 * Only the dots are looked at: this decides which verification a token gets (signature, or a lookup by
 * hash / introspection) and runs on every request, so it must not scan a long payload. Every token of
 * this shape is judged as a JWT, by its signature alone: one in another alphabet (padded or `+`/`/`
 * base64) is refused by `verifyJwt` (RFC 7515 §2), never looked up or introspected as an opaque token.
 * Opaque tokens (random base64url) never contain a dot.
 *
 * @example
 * ```ts
 * looksLikeCompactJws('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln') // true
 * looksLikeCompactJws('q1w2e3r4t5y6u7i8o9p0') // false
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 */
export function looksLikeCompactJws(token: string): boolean {
  const first = token.indexOf('.')
  if (first < 1) return false
  const second = token.indexOf('.', first + 1)
  return second > first + 1 && token.indexOf('.', second + 1) === -1
}
