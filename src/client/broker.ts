import * as oauth from 'oauth4webapi'
import { ClientError } from './errors.js'
import { providerStep } from './http.js'
import { validatedIdToken } from './id-token.js'
import { authorizationUrl, readUser } from './login.js'
import { roundTrip } from './dpop.js'
import { normalizeRegistration, type ProviderRegistration } from './provider.js'
import { createRegistry } from './registry.js'
import type { Transaction } from './transactions.js'
import type { ClientUser } from './user.js'

export { ClientError, isClientError, type ClientErrorCode } from './errors.js'
export type { ProviderRegistration } from './provider.js'
export type { ClientUser } from './user.js'

/*
 * The relying party as an identity broker (an authorization server signing its users in at an upstream
 * provider): the same registry, discovery checks, authorization request and response validation as
 * `createOAuth`, but no session and no token kept. What the broker proves is who the user is at the
 * upstream; the upstream's tokens are used for the code exchange, userinfo or the profile API and then
 * dropped, so they cannot leave the broker (catalogue FD-06). Where the pending login lives (its `state`,
 * `nonce` and PKCE verifier) is the caller's: the authorization server binds it to its own browser cookie.
 */

/** The secrets of one pending upstream login, to keep server-side until its callback. */
export interface BrokerLogin {
  /** Sent as `state`; the callback must return it (RFC 6749 §10.12). */
  readonly state: string
  /** OIDC Core §3.1.2.1 `nonce`; absent for plain OAuth 2.0 providers (GitHub). */
  readonly nonce?: string | undefined
  /** RFC 7636 §4.1: the PKCE verifier whose S256 challenge the request carried. */
  readonly codeVerifier: string
  /** The exact `redirect_uri` of the request, sent again with the code (RFC 6749 §4.1.3). */
  readonly redirectUri: string
}

/** Settings of `createBroker`: the transport every upstream request goes through. */
export interface BrokerOptions {
  /** Transport for every upstream request (discovery, JWKS, token, userinfo, profile API). */
  fetch: typeof fetch
  /** Per request, milliseconds; default 10 000. */
  timeoutMs?: number
  /** Where configuration warnings go (an insecure loopback opt-in). */
  warn: (message: string) => void
}

/** Upstream logins for an authorization server; see `createBroker`. */
export interface Broker {
  /** Registers an upstream; validated now, discovered on first use. */
  register(registration: ProviderRegistration): void
  /** The issuer identifier of a registered upstream (its configured or preset issuer), without discovery. */
  issuer(name: string): string | undefined
  /** The upstream's validated metadata (discovered once, cached; a failure is retried on next use). */
  metadata(name: string): Promise<oauth.AuthorizationServer>
  /** A fresh login: the URL to send the browser to, and the secrets to keep until the callback. */
  begin(name: string, redirectUri: string, params?: Record<string, string>): Promise<{ url: string; login: BrokerLogin }>
  /**
   * The user the callback proves: the authorization response (`state`, RFC 9207 `iss`, `error`), the code
   * exchange with the PKCE verifier, the ID token (signature, `iss`, `aud`, `nonce`, `exp`, `iat`) and
   * userinfo with the same `sub`, or the profile API of a plain OAuth 2.0 provider. The tokens are dropped.
   * Throws `ClientError`.
   */
  complete(name: string, login: BrokerLogin, callback: URLSearchParams): Promise<ClientUser>
}

/**
 * An identity broker over the relying party's machinery: what an authorization server uses to offer
 * "Continue with …" on its own login page.
 *
 * @example
 * ```ts
 * const broker = createBroker({ fetch: guardedFetchAsFetch, warn: console.warn })
 * broker.register({ name: 'google', preset: 'google', clientId, clientSecret, scope: 'openid email profile' })
 * const { url, login } = await broker.begin('google', 'https://auth.example/federation/google/callback')
 * // …later, on the callback: const user = await broker.complete('google', login, callbackQuery)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.4 (mix-up: one redirect URI per upstream)
 */
export function createBroker(options: BrokerOptions): Broker {
  const registry = createRegistry({ transport: { fetch: options.fetch, timeoutMs: options.timeoutMs ?? 10_000 }, warn: options.warn })

  const issuers = new Map<string, string>()

  return {
    register(registration) {
      registry.register(registration)
      issuers.set(registration.name, normalizeRegistration(registration).issuer)
    },
    issuer: (name) => issuers.get(name),
    metadata: async (name) => (await registry.resolve(name)).as,

    async begin(name, redirectUri, params = {}) {
      const provider = await registry.resolve(name)
      const transaction: Transaction = {
        state: oauth.generateRandomState(),
        nonce: provider.config.openid ? oauth.generateRandomNonce() : undefined,
        codeVerifier: oauth.generateRandomCodeVerifier(),
        provider: name,
        redirectUri,
        returnTo: '/',
        createdAt: 0,
      }
      const url = await authorizationUrl(provider, transaction, params)
      const { state, nonce, codeVerifier } = transaction
      return { url: url.href, login: { state, nonce, codeVerifier, redirectUri } }
    },

    async complete(name, login, callback) {
      const provider = await registry.resolve(name)
      const { as, client, auth, http, config } = provider
      const validated = await providerStep('authorization response', async () => oauth.validateAuthResponse(as, client, callback, login.state))
      const { response, result } = await roundTrip('token', undefined,
        () => oauth.authorizationCodeGrantRequest(as, client, auth, validated, login.redirectUri, login.codeVerifier, http),
        (answer) => oauth.processAuthorizationCodeResponse(as, client, answer, config.openid ? { expectedNonce: login.nonce ?? '', requireIdToken: true } : {}),
      )
      const claims = config.openid ? await validatedIdToken(provider, result, response, Math.floor(Date.now() / 1000)) : undefined
      // A broker asks for no DPoP binding: the tokens are used once, here, and dropped.
      if (result.token_type === 'dpop') throw new ClientError('invalid_response', { detail: 'upstream issued a DPoP-bound token where none was requested' })
      return readUser(provider, result, claims, undefined)
    },
  }
}
