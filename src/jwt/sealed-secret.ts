import { hkdfSync } from 'node:crypto'
import { CompactEncrypt, compactDecrypt } from 'jose'

/** What a sealed secret is: each purpose has its own key, so one sealed value never opens as another. */
export type SealPurpose = 'client-secret' | 'totp' | 'refresh-successor' | 'shown-once' | 'admin-console-token'

// Its own HKDF label: a sealed client secret, a sealed TOTP key, a kept refresh-token successor and a sealed
// signing key never share a key.
function sealingKey(serverSecret: string, purpose: SealPurpose): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', serverSecret, 'tessera', `tessera ${purpose} sealing v1`, 32))
}

/**
 * A secret the server must be able to read back (a `client_secret_jwt` client's HMAC key, RFC 7523
 * §2.2), sealed at rest as signing keys are (src/jwt/keys.ts): a compact JWE, `dir` + A256GCM, under a
 * key derived from the server secret.
 */
export async function sealSecret(value: string, serverSecret: string, purpose: SealPurpose = 'client-secret'): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(value)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(sealingKey(serverSecret, purpose))
}

/**
 * Opens what `sealSecret` sealed with one of `serverSecrets` (the newest first, then those of a rotation);
 * undefined when none opens it.
 */
export async function openSealedSecret(sealed: string, serverSecrets: readonly string[], purpose: SealPurpose = 'client-secret'): Promise<string | undefined> {
  for (const serverSecret of serverSecrets) {
    try {
      const { plaintext } = await compactDecrypt(sealed, sealingKey(serverSecret, purpose), { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] })
      return new TextDecoder().decode(plaintext)
    } catch {
      // Sealed under another secret of the rotation.
    }
  }
  return undefined
}
