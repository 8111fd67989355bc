import { ConfigError } from '../config.js'

/** How the passkey capability runs; every member is optional. */
export interface PasskeyOptions {
  /**
   * The WebAuthn relying party id (WebAuthn §5.1.3): default the issuer's host. Set it to a registrable
   * parent of that host (`example.com` for an issuer at `login.example.com`) to let passkeys work across
   * subdomains; the expected origin stays the issuer's origin.
   */
  readonly rpId?: string
  /**
   * User verification (a PIN or biometric at the authenticator) when a passkey is registered and when it
   * is a second factor: `required` (default) refuses an authenticator that did not verify the user,
   * `preferred` accepts one that only tested presence. Signing in without a password always requires it.
   */
  readonly userVerification?: 'required' | 'preferred'
  /** COSE algorithms accepted at registration (default EdDSA -8, ES256 -7, RS256 -257). */
  readonly algorithms?: readonly number[]
}

/** The options with defaults applied, checked once at construction. */
export interface ResolvedPasskeyOptions {
  readonly rpId: string | undefined
  readonly userVerification: 'required' | 'preferred'
  readonly algorithms: readonly number[]
}

/** The relying party of one server: its id, the origin ceremonies must come from, its name. */
export interface RelyingParty {
  readonly id: string
  readonly origin: string
  readonly name: string
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/
export const DEFAULT_ALGORITHMS: readonly number[] = [-8, -7, -257]

export function resolvePasskeyOptions(options: PasskeyOptions): ResolvedPasskeyOptions {
  if (options.rpId !== undefined && !HOST_NAME.test(options.rpId)) {
    throw new ConfigError('passkeys.rpId', `${JSON.stringify(options.rpId)} is not a lowercase host name; give the issuer's host or a parent domain of it`)
  }
  if (options.algorithms !== undefined && (options.algorithms.length === 0 || !options.algorithms.every((alg) => DEFAULT_ALGORITHMS.includes(alg)))) {
    throw new ConfigError('passkeys.algorithms', `choose among ${DEFAULT_ALGORITHMS.join(', ')} (COSE EdDSA, ES256, RS256)`)
  }
  return { rpId: options.rpId, userVerification: options.userVerification ?? 'required', algorithms: options.algorithms ?? DEFAULT_ALGORITHMS }
}

/**
 * The relying party for `issuer`. WebAuthn §5.1.3: the RP id must be the origin's host or a registrable
 * suffix of it, else every browser refuses the ceremony; a wrong configuration fails here, loudly.
 */
export function relyingParty(issuer: string, productName: string, options: ResolvedPasskeyOptions): RelyingParty {
  const url = new URL(issuer)
  const host = url.hostname
  const id = options.rpId ?? host
  if (id !== host && !host.endsWith(`.${id}`)) {
    throw new ConfigError('passkeys.rpId', `${id} is neither the issuer's host (${host}) nor a parent domain of it`)
  }
  return { id, origin: url.origin, name: productName }
}
