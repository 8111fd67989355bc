import { OAuthError } from '../../errors.js'
import type { OAuthRequest } from '../../http/types.js'
import { dpopProofFrom, validateDpopProof } from '../../protocol/rfc9449/proof.js'
import type { ClientRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { markProofUsed } from './records.js'
import { dpopAlgorithmsFor } from '../fapi2/client-profile.js'

/**
 * The key a token request proves possession of (RFC 9449 §5), or undefined without a `DPoP` header. Runs
 * after client authentication: a proof never authenticates a client (§11.11). A client registered with
 * `dpop_bound_access_tokens` (§5.2) or a server with `requireDpop` needs one. The proof is checked
 * against the configured token endpoint URL, then marked used in the shared store (§11.1).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export async function dpopKeyOfTokenRequest(ctx: ServerContext, request: OAuthRequest, client: ClientRecord): Promise<string | undefined> {
  if (request.headers.get('dpop') === null && (ctx.config.dpop.required || client.dpop_bound_access_tokens === true)) {
    throw new OAuthError('invalid_dpop_proof', 'A DPoP proof is required', { detail: ctx.config.dpop.required ? 'requireDpop' : 'the client is registered with dpop_bound_access_tokens' })
  }
  // A FAPI 2.0 client's proofs use the profile's algorithms only (§5.4.1), whatever the server allows others.
  return dpopKeyOfRequest(ctx, request, ctx.urls.token, await dpopAlgorithmsFor(ctx, client))
}

/**
 * The key a request to `url` proves possession of, or undefined without a `DPoP` header: the proof
 * checked against that URL and the request's method, then marked used in the shared store (§11.1).
 * The token endpoint and the PAR endpoint (§10.1) both take proofs.
 */
export async function dpopKeyOfRequest(ctx: ServerContext, request: OAuthRequest, url: string, algorithms: readonly string[] = ctx.config.dpop.algorithms): Promise<string | undefined> {
  const proof = dpopProofFrom(request.headers.get('dpop'))
  if (proof === undefined) return undefined
  const validated = await validateDpopProof(proof, {
    method: request.method,
    url,
    algorithms,
    now: ctx.config.now(),
    nonces: ctx.config.dpop.nonces,
  })
  if (!(await markProofUsed(ctx, validated))) throw new OAuthError('invalid_dpop_proof', 'The DPoP proof was already used', { detail: 'replayed jti' })
  return validated.jkt
}
