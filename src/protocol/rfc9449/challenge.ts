import type { OAuthError } from '../../errors.js'
import { challengeParameters, quote } from '../rfc6750/challenge.js'

export interface DpopChallengeOptions {
  /** The proof algorithms the resource accepts (RFC 9449 §7.1 `algs`). */
  algs: readonly string[]
  realm?: string | undefined
  error?: OAuthError | undefined
  scope?: string | undefined
  /** RFC 9470 §3 step-up parameters, as in the Bearer challenge. */
  acrValues?: string | undefined
  maxAge?: number | undefined
}

/**
 * The `WWW-Authenticate: DPoP …` challenge of RFC 9449 §7.1, which a resource supporting both schemes
 * sends beside its `Bearer` challenge.
 *
 * @example dpopChallenge({ algs: ['ES256'], error }) // 'DPoP error="invalid_dpop_proof", algs="ES256"'
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export function dpopChallenge(options: DpopChallengeOptions): string {
  const params = challengeParameters(options)
  params.push(`algs=${quote(options.algs.join(' '))}`)
  return `DPoP ${params.join(', ')}`
}
