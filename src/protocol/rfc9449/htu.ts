// RFC 3986 §2.3: unreserved characters, whose percent-encoded form is equivalent to the character itself.
const UNRESERVED = /[A-Za-z0-9\-._~]/

/**
 * The form in which two `htu` values are compared (RFC 9449 §4.3 step 9): scheme-based and syntax-based
 * normalisation (RFC 3986 §6.2.2, §6.2.3) — lower-case scheme and host, the default port dropped, an empty
 * path as `/`, percent-encoded unreserved characters decoded and other percent-encodings upper-cased, dot
 * segments removed — with the query and fragment left out. Undefined for anything but an absolute http(s) URI.
 *
 * @example normalizeHtu('HTTPS://AS.example.com:443/to%6Ben?x=1#f') // 'https://as.example.com/token'
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4.3
 */
export function normalizeHtu(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (url.username !== '' || url.password !== '') return undefined
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16))
    return UNRESERVED.test(character) ? character : `%${hex.toUpperCase()}`
  })
  // The WHATWG parser has already lower-cased scheme and host, dropped the default port and dot segments.
  return `${url.protocol}//${url.host}${path}`
}
