import * as oauth from 'oauth4webapi'
import { ClientError } from './errors.js'
import { providerStep } from './http.js'
import type { Provider } from './registry.js'

/** Seconds of clock difference tolerated for `iat` (oauth4webapi's default tolerance for `exp`/`nbf`). */
const IAT_TOLERANCE = 30

/**
 * The ID token of a token response, after oauth4webapi has checked its claims (`iss`, `aud`, `azp`, `exp`,
 * presence of `iat`/`sub`, `nonce`; OIDC Core §3.1.3.7 (2)–(5), (9)–(11)) in `process…Response`. This adds
 * the signature (§3.1.3.7 (6)) with `validateApplicationLevelSignature` — keys only from the provider's
 * `jwks_uri`, never from `jku`/`jwk` headers, HMAC algorithms refused, `alg` pinned to the client's or the
 * provider's advertised list (RFC 8725 §3.1; catalogue RP-03, RP-04). One check oauth4webapi leaves to the
 * caller is added: `iat` must not lie in the future (§3.1.3.7 (10); catalogue RP-05).
 */
export async function validatedIdToken(provider: Provider, result: oauth.TokenEndpointResponse, response: Response, now: number): Promise<oauth.IDToken> {
  const claims = oauth.getValidatedIdTokenClaims(result)
  if (!claims) throw new ClientError('invalid_response', { detail: 'token response has no ID token' })
  await providerStep('ID token signature', () => oauth.validateApplicationLevelSignature(provider.as, response, provider.http))
  if (claims.iat > now + IAT_TOLERANCE) throw new ClientError('invalid_response', { detail: 'ID token iat is in the future' })
  return claims
}
