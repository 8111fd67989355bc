import { createHmac } from 'node:crypto'
import { digestsEqual } from '../../crypto/random.js'

/** Server-supplied DPoP nonces (RFC 9449 §8 at the authorization server, §9 at a resource server). */
export interface DpopNonceSource {
  /** The nonce to hand out now (in `DPoP-Nonce`). */
  current(now: number): string
  /** Whether `nonce` was handed out by a server holding the same secret and label, this period or the last. */
  accepts(nonce: string, now: number): boolean
}

/**
 * Nonces derived from the time and a secret: `<period>.<HMAC-SHA-256(secret, label|period)>`. Every
 * instance holding the secret agrees on them without any storage, a nonce lives one to two periods, and
 * the label keeps one server's nonces from being accepted by another (the AS and each resource server).
 * RFC 9449 §8.2 lets a server rotate nonces at will; a client learns the new one from `use_dpop_nonce`.
 *
 * @example
 * ```ts
 * const nonces = timeDerivedNonces(secret, 'as', 60)
 * response.headers.set('DPoP-Nonce', nonces.current(now))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
 */
export function timeDerivedNonces(secret: string, label: string, period = 60): DpopNonceSource {
  const mac = (window: number): string => createHmac('sha256', secret).update(`dpop-nonce|${label}|${window}`).digest('base64url')
  const nonceOf = (window: number): string => `${window.toString(36)}.${mac(window)}`
  return {
    current: (now) => nonceOf(Math.floor(now / period)),
    accepts(nonce, now) {
      const dot = nonce.indexOf('.')
      if (dot < 1 || nonce.length > 100) return false
      const window = Number.parseInt(nonce.slice(0, dot), 36)
      const current = Math.floor(now / period)
      if (window !== current && window !== current - 1) return false
      return digestsEqual(nonce, nonceOf(window))
    },
  }
}
