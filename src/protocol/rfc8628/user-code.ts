import { randomUInt } from '../../crypto/random.js'

/**
 * RFC 8628 §6.1: base-20 letters without vowels, so no code spells a word, and no digits or look-alikes
 * (0/O, 1/I) to mistype. 8 characters carry 20^8 ≈ 2^34.5 values.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'

/** Characters of a user code, without the dash shown in the middle. */
export const USER_CODE_LENGTH = 8

/**
 * A user code in its canonical form (8 letters of the alphabet, upper case, no dash): only
 * `normalizeUserCode` makes one, so a lookup can never be keyed by raw input.
 */
export type UserCode = string & { readonly __brand: 'rfc8628.UserCode' }

/**
 * A fresh random user code (canonical form). Each letter is drawn without modulo bias.
 *
 * @example formatUserCode(generateUserCode()) // 'WDJB-MJHT'
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-6.1
 */
export function generateUserCode(): UserCode {
  let code = ''
  while (code.length < USER_CODE_LENGTH) {
    const byte = randomUInt(1)
    // 240 = 12 × 20: bytes from 240 up would favour the first letters.
    if (byte < 240) code += USER_CODE_ALPHABET[byte % 20]
  }
  return code as UserCode
}

/**
 * What a user typed (or `verification_uri_complete` carried) as a canonical user code, or undefined when
 * it cannot be one. RFC 8628 §6.1: case and the dash are ignored, and so are spaces a user may type.
 *
 * @example normalizeUserCode('wdjb-mjht') // 'WDJBMJHT'
 */
export function normalizeUserCode(input: string): UserCode | undefined {
  if (input.length > 64) return undefined
  const code = input.replace(/[\s-]/g, '').toUpperCase()
  if (code.length !== USER_CODE_LENGTH) return undefined
  for (const char of code) if (!USER_CODE_ALPHABET.includes(char)) return undefined
  return code as UserCode
}

/**
 * The code as shown to the user and sent as `user_code`: two groups of four, `XXXX-XXXX` (§6.1: a dash
 * helps reading and is ignored on entry).
 *
 * @example formatUserCode(normalizeUserCode('wdjbmjht')!) // 'WDJB-MJHT'
 */
export function formatUserCode(code: UserCode): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`
}
