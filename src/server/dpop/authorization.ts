import { OAuthError } from '../../errors.js'

/**
 * The key an authorization code is bound to (RFC 9449 §10): `dpop_jkt` from the authorization request,
 * and, for a pushed request (RFC 9449 §10.1), the key of the proof sent to the PAR endpoint. Both present
 * and different → `invalid_dpop_proof`. The result goes into `AuthorizationRequest.dpop_jkt`, which the
 * code carries to the token endpoint (`grants/authorization-code.ts` refuses another key).
 *
 * @example request.dpop_jkt = dpopKeyForAuthorization(params.get('dpop_jkt'), parProof?.jkt)
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-10.1
 */
export function dpopKeyForAuthorization(dpopJkt: string | undefined, pushedProofJkt?: string): string | undefined {
  if (dpopJkt !== undefined && pushedProofJkt !== undefined && dpopJkt !== pushedProofJkt) {
    throw new OAuthError('invalid_dpop_proof', 'dpop_jkt does not match the key of the DPoP proof')
  }
  return pushedProofJkt ?? dpopJkt
}
