import { OAuthError } from '../../errors.js'
import { decodeUnverified } from '../../jwt/verify.js'
import type { AuthorizationServerConfig } from '../config.js'
import { ConfigError } from '../config.js'
import type { Capability, ClientAuthenticationMethod } from '../context.js'
import { DEFAULT_KEY_ALGORITHMS } from '../key-set.js'
import { pushedAuthorizationRequests } from '../par/index.js'
import type { ResolvedConfig } from '../settings.js'

/*
 * The FAPI 2.0 Security Profile (final) as one switch, `profile: 'fapi2'`: every rule of the profile is in
 * this file, applied at three points of construction — the configuration before it is resolved
 * (contradictions refused, defaults tightened), the resolved settings (DPoP algorithms), and the
 * capabilities the registry is assembled from (client authentication narrowed to `private_key_jwt`,
 * PAR required, discovery saying so). The request handlers stay the profile's unaware: what the profile
 * forbids is simply not registered or not configured.
 *
 * Already true of every Tessera server, so not repeated here: PKCE is required and S256 only (RFC 7636,
 * FAPI 2.0 §5.3.2.2), `response_type=code` only, `redirect_uri` required in every authorization request
 * (pushed or not), and `iss` in every authorization response (RFC 9207).
 *
 * @see https://openid.net/specs/fapi-security-profile-2_0-final.html#section-5.3
 */

/** Server profiles: `fapi2` is the FAPI 2.0 Security Profile. */
export type ServerProfile = 'fapi2'

/** The values `profile` takes (configuration, config file, `tessera-oidc serve --profile`). */
export const SERVER_PROFILES: readonly ServerProfile[] = ['fapi2']

/** FAPI 2.0 §5.4.1: PS256, ES256 or EdDSA (Ed25519) for every signature. */
export const FAPI2_ALGORITHMS = ['PS256', 'ES256', 'EdDSA'] as const

/** Of those, what the server's own key set holds (it generates RS256 and ES256 keys): ID and access tokens. */
const TOKEN_ALGORITHMS: readonly string[] = DEFAULT_KEY_ALGORITHMS.filter((alg) => (FAPI2_ALGORITHMS as readonly string[]).includes(alg))

/** FAPI 2.0 §5.3.2.1: authorization codes with a maximum lifetime of 60 seconds. */
const CODE_LIFETIME_LIMIT = 60

/** Whether `value` is a known profile; anything else is a configuration error naming the choices. */
export function checkProfile(value: unknown): ServerProfile | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string' && (SERVER_PROFILES as readonly string[]).includes(value)) return value as ServerProfile
  throw new ConfigError('profile', `must be one of ${SERVER_PROFILES.join(', ')}, got ${JSON.stringify(value)}`)
}

/**
 * The configuration under the profile: what it contradicts is a `ConfigError` naming the keys (a switch
 * that silently won over the operator's explicit setting would hide a mistake); what it leaves unset is
 * set the profile's way (`requireDpop`).
 */
export function fapi2Configuration(config: AuthorizationServerConfig): AuthorizationServerConfig {
  const contradiction = (field: string, problem: string): ConfigError => new ConfigError(field, `${problem} (profile: fapi2)`)
  // FAPI 2.0 §5.3.2.1: only sender-constrained access tokens (DPoP here; no mTLS).
  if (config.requireDpop === false) throw contradiction('requireDpop', 'must not be false: FAPI 2.0 issues only sender-constrained (DPoP) access tokens')
  // 7523bis §4 and FAPI 2.0 §5.3.2.1: the assertion's audience is the issuer identifier alone.
  if (config.clientAssertions?.legacyAudiences === true) {
    throw contradiction('clientAssertions.legacyAudiences', 'must not be set: FAPI 2.0 accepts only the issuer identifier as a client assertion audience')
  }
  const alg = config.accessTokenSigningAlg ?? 'ES256'
  if (!TOKEN_ALGORITHMS.includes(alg)) {
    throw contradiction('accessTokenSigningAlg', `must be one of ${TOKEN_ALGORITHMS.join(', ')} (FAPI 2.0 allows ${FAPI2_ALGORITHMS.join(', ')}; the key set holds ${DEFAULT_KEY_ALGORITHMS.join(', ')}), got ${alg}`)
  }
  const codeLifetime = config.lifetimes?.authorizationCode
  if (codeLifetime !== undefined && codeLifetime > CODE_LIFETIME_LIMIT) {
    throw contradiction('lifetimes.authorizationCode', `must be at most ${CODE_LIFETIME_LIMIT} seconds under FAPI 2.0, got ${codeLifetime}`)
  }
  return { ...config, requireDpop: true, accessTokenSigningAlg: alg }
}

/** The resolved settings under the profile: DPoP proofs signed with the profile's algorithms only. */
export function fapi2Settings(resolved: ResolvedConfig): ResolvedConfig {
  return {
    ...resolved,
    profile: 'fapi2',
    dpop: { ...resolved.dpop, algorithms: resolved.dpop.algorithms.filter((alg) => (FAPI2_ALGORITHMS as readonly string[]).includes(alg)) },
  }
}

/**
 * The capabilities under the profile: client authentication by `private_key_jwt` alone (FAPI 2.0
 * §5.3.2.1 asks for it or mTLS; secrets and public clients are not registered methods, so they fail as `invalid_client`),
 * PAR required for every client (§5.3.2.2: registered when absent, a non-required one refused), and
 * discovery reflecting both.
 */
export function fapi2Capabilities(capabilities: readonly Capability[]): Capability[] {
  const par = capabilities.find((capability) => capability.requestReferences !== undefined && capability.name === 'pushed-authorization-requests')
  if (par && par.requestReferences?.requiredForAll !== true) {
    throw new ConfigError('capabilities', 'register pushedAuthorizationRequests({ required: true }) (or leave it out): FAPI 2.0 requires pushed authorization requests of every client (profile: fapi2)')
  }
  const narrowed = capabilities.map((capability): Capability => {
    if (!capability.clientAuthentication) return capability
    const methods = capability.clientAuthentication.filter((method) => method.method === 'private_key_jwt').map(fapi2PrivateKeyJwt)
    return { ...capability, clientAuthentication: methods }
  })
  return [...narrowed, ...(par ? [] : [pushedAuthorizationRequests({ required: true })]), fapi2Discovery]
}

/**
 * `private_key_jwt` with the profile's algorithms (§5.4.1: an RS256 assertion fails like any bad
 * assertion), and only for clients whose ID tokens the profile lets the server sign: a client registered
 * with `id_token_signed_response_alg` RS256 is refused rather than silently given ES256 tokens it would
 * not verify — the operator changes its registration (`tessera-oidc client update --id-token-alg ES256`).
 */
function fapi2PrivateKeyJwt(method: ClientAuthenticationMethod): ClientAuthenticationMethod {
  return {
    ...method,
    async verify(ctx, client, presented) {
      const alg = presented.assertion === undefined ? undefined : decodeUnverified(presented.assertion)?.header.alg
      if (typeof alg !== 'string' || !(FAPI2_ALGORITHMS as readonly string[]).includes(alg)) {
        ctx.config.logger?.info({ client_id: presented.clientId, alg }, 'client assertion refused: algorithm not allowed by FAPI 2.0')
        return false
      }
      if (!(await method.verify(ctx, client, presented))) return false
      if (client && !TOKEN_ALGORITHMS.includes(client.id_token_signed_response_alg)) {
        throw new OAuthError('invalid_client', `The client's id_token_signed_response_alg ${client.id_token_signed_response_alg} is not allowed under FAPI 2.0 (use ${TOKEN_ALGORITHMS.join(', ')})`)
      }
      return true
    },
  }
}

/** Discovery under the profile (FAPI 2.0 §5.3.2.1; RFC 8414, RFC 9126 §5, RFC 9449 §5.1, RFC 9207 §3). Registered last: its members win. */
const fapi2Discovery: Capability = {
  name: 'fapi2-security-profile',
  spec: 'FAPI 2.0 Security Profile §5',
  metadata: (ctx) => ({
    require_pushed_authorization_requests: true,
    code_challenge_methods_supported: ['S256'],
    response_types_supported: ['code'],
    authorization_response_iss_parameter_supported: true,
    dpop_signing_alg_values_supported: [...ctx.config.dpop.algorithms],
    id_token_signing_alg_values_supported: [...TOKEN_ALGORITHMS],
    token_endpoint_auth_signing_alg_values_supported: [...FAPI2_ALGORITHMS],
    ...(ctx.urls.revocation ? { revocation_endpoint_auth_signing_alg_values_supported: [...FAPI2_ALGORITHMS] } : {}),
    ...(ctx.urls.introspection ? { introspection_endpoint_auth_signing_alg_values_supported: [...FAPI2_ALGORITHMS] } : {}),
  }),
}
