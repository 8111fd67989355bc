const PLACEHOLDER_ORIGIN = 'https://return-to.invalid'

/**
 * The post-login destination, only ever a same-origin relative path (RFC 9700 §4.11.1: a client MUST NOT
 * be an open redirector; catalogue RP-15). Everything else — absolute URLs, scheme-relative `//host`,
 * `/\host` (browsers read `\` as `/`), `https:host`, `javascript:`, control characters or whitespace that
 * URL parsers strip — gives `fallback`.
 *
 * @example safeReturnTo('/profile?tab=1') // '/profile?tab=1'
 * @example safeReturnTo('//evil.test')    // '/'
 */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return fallback
  if (!value.startsWith('/') || value.startsWith('//')) return fallback
  // Backslashes, whitespace and controls: `/\evil`, `/\t/evil` become `//evil` in WHATWG URL parsing.
  if (value.includes('\\') || /\s/.test(value) || [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return fallback
  let url: URL
  try {
    url = new URL(value, PLACEHOLDER_ORIGIN)
  } catch {
    return fallback
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return fallback
  const path = `${url.pathname}${url.search}${url.hash}`
  // A path that normalizes to `//…` (e.g. `/.//evil`) would be scheme-relative once sent as a Location.
  return path.startsWith('//') ? fallback : path
}
