import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * The relying party's keys, all derived from the one application secret with HKDF (RFC 5869) under
 * distinct `info` labels, so the cookie MAC key and the token encryption key are independent.
 */
export interface ClientKeys {
  /** HMAC-SHA-256 key for cookie values. */
  cookie: Buffer
  /** AES-256-GCM key for data at rest (tokens, pending transactions). */
  seal: Buffer
}

export function deriveKeys(secret: string): ClientKeys {
  const derive = (info: string): Buffer => Buffer.from(hkdfSync('sha256', secret, 'tessera-oidc/client', info, 32))
  return { cookie: derive('cookie-mac v1'), seal: derive('seal aes-256-gcm v1') }
}

const VERSION = 'v1'

/**
 * Encrypts `plaintext` with AES-256-GCM (NIST SP 800-38D: 96-bit random IV, 128-bit tag). `context` is
 * authenticated but not stored (e.g. the row key), so a sealed value cannot be moved to another row.
 *
 * @example const sealed = seal(keys.seal, JSON.stringify(tokens), sessionKey)
 */
export function seal(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(context))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`
}

/** Decrypts a value from `seal`; `undefined` when it was tampered with, moved, or sealed under another key. */
export function unseal(key: Buffer, sealed: string, context: string): string | undefined {
  const [version, data] = sealed.split('.')
  if (version !== VERSION || data === undefined) return undefined
  const bytes = Buffer.from(data, 'base64url')
  if (bytes.length < 12 + 16) return undefined
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12))
    decipher.setAAD(Buffer.from(context))
    decipher.setAuthTag(bytes.subarray(bytes.length - 16))
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8')
  } catch {
    return undefined
  }
}

function mac(key: Buffer, name: string, value: string): Buffer {
  return createHmac('sha256', key).update(`${name}=${value}`).digest()
}

/** `value.mac`, the MAC covering the cookie name too so a value cannot be replayed under another cookie. */
export function signValue(key: Buffer, name: string, value: string): string {
  return `${value}.${mac(key, name, value).toString('base64url')}`
}

/** The value of a `signValue` string, or `undefined` when the MAC does not verify (constant-time compare). */
export function verifySignedValue(key: Buffer, name: string, signed: string | undefined): string | undefined {
  if (!signed) return undefined
  const dot = signed.lastIndexOf('.')
  if (dot <= 0) return undefined
  const value = signed.slice(0, dot)
  const given = Buffer.from(signed.slice(dot + 1), 'base64url')
  const expected = mac(key, name, value)
  return given.length === expected.length && timingSafeEqual(given, expected) ? value : undefined
}
