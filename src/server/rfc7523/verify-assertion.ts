import { sha256 } from '../../crypto/random.js'
import { openSealedSecret } from '../../jwt/sealed-secret.js'
import { decodeUnverified, isJwtValidationError, localKeyResolver, verifyJwt, type KeyResolver } from '../../jwt/verify.js'
import {
  ASYMMETRIC_ASSERTION_ALGORITHMS, assertionTypeProblem, checkAssertionClaims, HMAC_ASSERTION_ALGORITHMS,
} from '../../protocol/rfc7523/client-assertion.js'
import { StorageConflictError, type ClientRecord, type RecordKind } from '../../storage/types.js'
import type { PresentedClientCredentials, ServerContext } from '../context.js'
import { clientKeySet } from './client-keys.js'

/** The `jti`s of accepted client assertions, keyed by SHA-256 of client and `jti`, kept until the assertion's `exp`. */
export const CLIENT_ASSERTION_JTI: RecordKind<Record<string, never>> = { name: 'client-assertion-jti' }

export type JwtAuthenticationMethod = 'private_key_jwt' | 'client_secret_jwt'

/**
 * Whether `presented.assertion` authenticates `client` by `method` (RFC 7523 §3, OIDC Core §9): the
 * client registered that method; the header's `typ` is a client assertion's (JA-02); the signature
 * verifies with an allow-listed algorithm (the client's `token_endpoint_auth_signing_alg` if it set one)
 * under the client's own keys — its JWKS for `private_key_jwt`, its secret for `client_secret_jwt`, never
 * a key the token names (`jwk`, `jku`, `x5u`); the claims pass `checkAssertionClaims`; and its `jti` was
 * not used before (stored through `store.records`, so every instance sees it).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 */
export async function verifyClientAssertion(
  ctx: ServerContext, client: ClientRecord | undefined, presented: PresentedClientCredentials, method: JwtAuthenticationMethod,
): Promise<boolean> {
  const assertion = presented.assertion
  if (!client || assertion === undefined || client.token_endpoint_auth_method !== method) return false
  const refuse = (reason: string): false => {
    ctx.config.logger?.info({ client_id: client.client_id, method, reason }, 'client assertion refused')
    return false
  }
  const header = decodeUnverified(assertion)?.header
  if (!header) return refuse('undecodable')
  const typeProblem = assertionTypeProblem(header.typ)
  if (typeProblem) return refuse(typeProblem)
  const now = ctx.config.now()
  // RFC 7523 §3: secrets past `client_secret_expires_at` no longer authenticate (catalogue DR-15).
  if (method === 'client_secret_jwt' && client.client_secret_expires_at !== null && client.client_secret_expires_at <= now) return refuse('secret expired')

  const keys = await keysOf(ctx, client, method, typeof header.kid === 'string' ? header.kid : undefined)
  if (!keys) return refuse('no keys')
  const allowed: readonly string[] = method === 'private_key_jwt' ? ASYMMETRIC_ASSERTION_ALGORITHMS : HMAC_ASSERTION_ALGORITHMS
  const algorithms = client.token_endpoint_auth_signing_alg === null ? [...allowed] : [client.token_endpoint_auth_signing_alg].filter((alg) => allowed.includes(alg))
  let payload: Record<string, unknown>
  try {
    payload = await verifyJwt(assertion, keys, {
      algorithms, issuer: client.client_id, clockTolerance: ctx.config.clientAssertions.clockSkewSeconds, currentDate: new Date(now * 1000),
    })
  } catch (error) {
    if (!isJwtValidationError(error)) throw error
    return refuse(error instanceof Error ? error.message : 'signature')
  }
  const checked = checkAssertionClaims(payload, { clientId: client.client_id, issuer: ctx.config.issuer, tokenEndpoint: ctx.urls.token, now }, ctx.config.clientAssertions)
  if (typeof checked === 'string') return refuse(checked)
  try {
    // OIDC Core §9: the jti MUST be used once; "add if absent" is atomic in every store.
    await ctx.config.store.records.put(CLIENT_ASSERTION_JTI, {
      key: sha256(`${client.client_id} ${checked.jti}`), value: {}, expiresAt: checked.exp + ctx.config.clientAssertions.clockSkewSeconds + 1, clientId: client.client_id,
    })
  } catch (error) {
    if (error instanceof StorageConflictError) return refuse('jti replayed')
    throw error
  }
  return true
}

async function keysOf(ctx: ServerContext, client: ClientRecord, method: JwtAuthenticationMethod, kid: string | undefined): Promise<KeyResolver | undefined> {
  if (method === 'client_secret_jwt') {
    if (client.client_secret_sealed === null) return undefined
    const secret = await openSealedSecret(client.client_secret_sealed, [ctx.config.secret, ...ctx.config.previousSecrets])
    if (secret === undefined) return undefined
    const key = new TextEncoder().encode(secret)
    return () => key
  }
  const set = await clientKeySet(ctx, client, kid)
  return set && set.keys.length > 0 ? localKeyResolver(set) : undefined
}
