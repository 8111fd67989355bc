/** Cookie header parsing and Set-Cookie serialization (RFC 6265 §4.1, §5.2). */

export function readCookie(headers: Headers, name: string): string | undefined {
  const header = headers.get('cookie')
  if (!header) return undefined
  for (const part of header.split(';')) {
    const index = part.indexOf('=')
    if (index === -1) continue
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim()
  }
  return undefined
}

export interface CookieOptions {
  /** Seconds; omitted for a browser-session cookie. */
  maxAge?: number
  secure: boolean
  sameSite?: 'Lax' | 'Strict'
  path?: string
}

/** Always `HttpOnly`, never `Domain` (host-only), `SameSite=Lax` unless stricter is asked. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${options.path ?? '/'}`, 'HttpOnly', `SameSite=${options.sameSite ?? 'Lax'}`]
  if (options.secure) parts.push('Secure')
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAge))}`)
  return parts.join('; ')
}

export function expireCookie(name: string, secure: boolean): string {
  return serializeCookie(name, '', { secure, maxAge: 0 })
}
