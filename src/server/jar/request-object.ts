import { sha256 } from '../../crypto/random.js'
import { OAuthError } from '../../errors.js'
import { Parameters } from '../../http/form.js'
import { decodeUnverified, isJwtValidationError, localKeyResolver, verifyJwt } from '../../jwt/verify.js'
import {
  checkRequestObjectClaims, REQUEST_OBJECT_ALGORITHMS, requestObjectTypeProblem,
} from '../../protocol/rfc9101/request-object.js'
import { StorageConflictError, type ClientRecord, type RecordKind } from '../../storage/types.js'
import type { ServerContext } from '../context.js'
import { clientKeySet } from '../rfc7523/client-keys.js'

/** The `jti`s of accepted request objects, keyed by SHA-256 of client and `jti`, kept until the object's `exp`. */
export const REQUEST_OBJECT_JTI: RecordKind<Record<string, never>> = { name: 'request-object-jti' }

// One description for every verification failure: which check failed is the operator's business.
const REFUSED = 'The request object is invalid'

/**
 * The authorization request carried by `params.request` (RFC 9101 §6): the object is verified under the
 * client's registered keys (`jwks`, or `jwks_uri` through the SSRF guard, as for `private_key_jwt`) with an
 * allow-listed asymmetric algorithm (the client's `request_object_signing_alg` when it registered one), its
 * claims pass `checkRequestObjectClaims`, a `jti` is used once (stored through `store.records`, so every
 * instance sees it), and its claims become the request: parameters outside it are ignored (§6.3), apart
 * from `client_id`, which must name the same client. Failures are `invalid_request_object`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9101#section-6
 */
export async function unpackRequestObject(ctx: ServerContext, client: ClientRecord, params: Parameters): Promise<Parameters> {
  const refuse = (reason: string): OAuthError => new OAuthError('invalid_request_object', REFUSED, { detail: `client ${client.client_id}: ${reason}` })
  const object = params.get('request')
  if (object === undefined) throw refuse('empty request parameter')
  // RFC 9101 §5: a request is passed by value or by reference, not both.
  if (params.has('request_uri')) throw new OAuthError('invalid_request', 'request and request_uri cannot both be sent')
  const header = decodeUnverified(object)?.header
  if (!header) throw refuse('undecodable')
  const typeProblem = requestObjectTypeProblem(header.typ)
  if (typeProblem) throw refuse(typeProblem)
  const allowed: readonly string[] = REQUEST_OBJECT_ALGORITHMS
  const registered = client.request_object_signing_alg ?? null
  const algorithms = registered === null ? [...allowed] : [registered].filter((alg) => allowed.includes(alg))
  const set = await clientKeySet(ctx, client, typeof header.kid === 'string' ? header.kid : undefined)
  if (!set || set.keys.length === 0) throw refuse('the client has no keys')
  const now = ctx.config.now()
  const skew = ctx.config.clientAssertions.clockSkewSeconds
  let payload: Record<string, unknown>
  try {
    // exp/nbf are checked by checkRequestObjectClaims against the same clock; jose checks them too.
    payload = await verifyJwt(object, localKeyResolver(set), {
      algorithms, issuer: client.client_id, audience: ctx.config.issuer, clockTolerance: skew, currentDate: new Date(now * 1000), requiredClaims: ['exp'],
    })
  } catch (error) {
    if (!isJwtValidationError(error)) throw error
    throw refuse(error instanceof Error ? error.message : 'signature')
  }
  const checked = checkRequestObjectClaims(payload, { clientId: client.client_id, issuer: ctx.config.issuer, now, clockSkewSeconds: skew })
  if (typeof checked === 'string') throw refuse(checked)
  if (checked.jti !== undefined) {
    try {
      await ctx.config.store.records.put(REQUEST_OBJECT_JTI, {
        key: sha256(`${client.client_id} ${checked.jti}`), value: {}, expiresAt: checked.exp + skew + 1, clientId: client.client_id,
      })
    } catch (error) {
      if (error instanceof StorageConflictError) throw refuse('jti replayed')
      throw error
    }
  }
  return new Parameters(checked.parameters)
}
