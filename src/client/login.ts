import * as oauth from 'oauth4webapi'
import type { ClientContext, ClientRedirect } from './context.js'
import { redirectTo } from './context.js'
import { dpopHandle, dpopOption, roundTrip } from './dpop.js'
import { endpointProblem } from './endpoints.js'
import { ClientConfigError, ClientError } from './errors.js'
import { providerStep } from './http.js'
import { validatedIdToken } from './id-token.js'
import { RESERVED_AUTHORIZATION_PARAMS } from './provider.js'
import type { Provider, Registry } from './registry.js'
import { safeReturnTo } from './return-to.js'
import type { Runtime } from './runtime.js'
import { startSession } from './session.js'
import { toTokenSet, type TokenSet } from './token-set.js'
import { consumeTransaction, beginTransaction, type Transaction } from './transactions.js'
import { userFromClaims, userFromProfile, type ClientUser } from './user.js'

/** Per-login options of `authorizeRedirect`. */
export interface AuthorizeRedirectOptions {
  /** Where to send the user after login: a same-origin relative path; anything else becomes `/` (RP-15). */
  returnTo?: string
  /** Extra authorization parameters for this login (e.g. `{ prompt: 'login', login_hint }`). */
  params?: Record<string, string>
}

/** What a completed login gives the app: the user, and the tokens kept server-side. */
export interface LoginResult {
  user: ClientUser
  /** Server-side only; never send these to the browser. */
  tokens: TokenSet
  /** Validated ID token claims (OIDC providers). */
  claims: oauth.IDToken | undefined
  /** The validated `returnTo` given to `authorizeRedirect`. */
  returnTo: string
}

/**
 * Starts "Log in with …": stores a transaction and answers the redirect to the provider's authorization
 * endpoint with `state`, `nonce`, PKCE S256 (RFC 7636 §4.3) and the exact `redirect_uri`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export async function authorizeRedirect(runtime: Runtime, registry: Registry, ctx: ClientContext, name: string, redirectUri: string, options: AuthorizeRedirectOptions = {}): Promise<ClientRedirect> {
  const provider = await registry.resolve(name)
  const problem = endpointProblem(redirectUri, true)
  if (problem) throw new ClientConfigError(`authorizeRedirect: redirectUri ${problem}`)
  for (const param of Object.keys(options.params ?? {})) {
    if (RESERVED_AUTHORIZATION_PARAMS.includes(param)) throw new ClientConfigError(`authorizeRedirect: params must not set ${param}`)
  }
  const transaction = await beginTransaction(runtime, ctx, provider, redirectUri, safeReturnTo(options.returnTo))
  return redirectTo((await authorizationUrl(provider, transaction, options.params)).href)
}

/** The authorization request's parameters (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1). */
async function authorizationParameters(provider: Provider, transaction: Transaction, extra: Record<string, string>, dpop: oauth.DPoPHandle | undefined): Promise<URLSearchParams> {
  const params = new URLSearchParams({ ...provider.config.authorizationParams, ...extra })
  params.set('response_type', 'code')
  params.set('client_id', provider.config.clientId)
  params.set('redirect_uri', transaction.redirectUri)
  params.set('scope', provider.config.scope)
  params.set('state', transaction.state)
  if (transaction.nonce) params.set('nonce', transaction.nonce)
  params.set('code_challenge', await oauth.calculatePKCECodeChallenge(transaction.codeVerifier))
  params.set('code_challenge_method', 'S256')
  if (provider.config.responseMode !== 'query') params.set('response_mode', provider.config.responseMode)
  // RFC 9449 §10: the code is bound to the key; through PAR the proof at the PAR endpoint does that (§10.1).
  if (dpop) params.set('dpop_jkt', await dpop.calculateThumbprint())
  return params
}

/** Whether the request goes through the provider's PAR endpoint (RFC 9126 §5: the provider may require it). */
function usesPushedRequests(provider: Provider): boolean {
  return provider.config.pushedAuthorizationRequests || provider.as.require_pushed_authorization_requests === true
}

/** Whether the request is sent as a signed request object (RFC 9101 §10.5: the provider may require it). */
function usesRequestObjects(provider: Provider): boolean {
  return provider.config.requestObject || provider.as.require_signed_request_object === true
}

/**
 * RFC 9101 §5.1: the request signed by the client (oauth4webapi's `issueRequestObject`: `iss`, `aud` the
 * issuer, `exp`, `jti`, `typ` `oauth-authz-req+jwt`); only `client_id` and the object travel beside it.
 */
async function signedRequest(provider: Provider, params: URLSearchParams): Promise<URLSearchParams> {
  const key = provider.config.clientPrivateKey
  if (!key) throw new ClientError('provider_misconfigured', { detail: 'provider requires signed request objects; register clientPrivateKey with requestObject: true' })
  const request = await oauth.issueRequestObject(provider.as, provider.client, params, key)
  return new URLSearchParams({ client_id: provider.config.clientId, request })
}

/** The URL of the authorization request for a transaction (pushed first when the provider asks for PAR). */
export async function authorizationUrl(provider: Provider, transaction: Transaction, extra: Record<string, string> = {}): Promise<URL> {
  const { as, client, auth, http } = provider
  // RFC 9449 §5.1: the provider lists the proof algorithms it accepts; the client's keys are ES256.
  if (transaction.dpopKey && as.dpop_signing_alg_values_supported && !as.dpop_signing_alg_values_supported.includes('ES256')) {
    throw new ClientError('provider_misconfigured', { detail: 'provider does not accept ES256 DPoP proofs' })
  }
  const dpop = transaction.dpopKey ? await dpopHandle(provider, transaction.dpopKey) : undefined
  // checkServerMetadata made sure the endpoints exist and are https (or opted-in loopback http).
  const url = new URL(as.authorization_endpoint ?? '')
  let params = await authorizationParameters(provider, transaction, extra, dpop)
  const pushed = usesPushedRequests(provider)
  // RFC 9449 §10.1: through PAR the proof at the PAR endpoint binds the code instead.
  if (pushed) params.delete('dpop_jkt')
  if (usesRequestObjects(provider)) params = await signedRequest(provider, params)
  if (!pushed) {
    for (const [key, value] of params) url.searchParams.set(key, value)
    return url
  }
  if (!as.pushed_authorization_request_endpoint) throw new ClientError('provider_misconfigured', { detail: 'provider has no pushed_authorization_request_endpoint' })
  const { result } = await roundTrip('pushed authorization', dpop,
    () => oauth.pushedAuthorizationRequest(as, client, auth, params, { ...http, ...dpopOption(dpop) }),
    (response) => oauth.processPushedAuthorizationResponse(as, client, response))
  // RFC 9126 §4: only client_id and the reference travel through the browser.
  url.searchParams.set('client_id', provider.config.clientId)
  url.searchParams.set('request_uri', result.request_uri)
  return url
}

/** The callback's parameters: the query, or the form body for `response_mode=form_post`. */
function callbackParameters(ctx: ClientContext, provider: Provider): URLSearchParams {
  if (provider.config.responseMode === 'form_post') return ctx.method === 'POST' && ctx.body ? ctx.body : new URLSearchParams()
  return ctx.url.searchParams
}

/** The user of a validated token response: the profile API (plain OAuth), or ID token claims plus userinfo (same `sub`). */
export async function readUser(provider: Provider, tokens: oauth.TokenEndpointResponse, claims: oauth.IDToken | undefined, dpop: oauth.DPoPHandle | undefined): Promise<ClientUser> {
  const { config, as, client, http } = provider
  const { profile } = config
  if (profile) return userFromProfile(config.name, config.issuer, await providerStep('profile', () => profile(tokens.access_token, http, config.issuer)))
  if (!claims) throw new ClientError('invalid_response', { detail: 'no ID token' })
  if (!config.fetchUserinfo || !as.userinfo_endpoint) return userFromClaims(config.name, config.issuer, claims, undefined)
  // OIDC Core §5.3.2: the userinfo `sub` MUST equal the ID token's, else the response is not used (RP-12).
  const { result: userinfo } = await roundTrip('userinfo', dpop,
    () => oauth.userInfoRequest(as, client, tokens.access_token, { ...http, ...dpopOption(dpop) }),
    (response) => oauth.processUserInfoResponse(as, client, claims.sub, response))
  return userFromClaims(config.name, config.issuer, claims, userinfo)
}

/**
 * Finishes the login on the callback: transaction (browser binding, single use, expiry) → authorization
 * response (`state`, RFC 9207 `iss`, `error`) → code exchange with the PKCE verifier → ID token (claims,
 * nonce, signature) → userinfo (`sub` binding) → a fresh session.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 */
export async function authorizeAccessToken(runtime: Runtime, registry: Registry, ctx: ClientContext, name: string): Promise<LoginResult> {
  const provider = await registry.resolve(name)
  const { as, client, auth, http, config } = provider
  const params = callbackParameters(ctx, provider)
  const transaction = await consumeTransaction(runtime, ctx, provider, params.get('state'))
  const validated = await providerStep('authorization response', async () => oauth.validateAuthResponse(as, client, params, transaction.state))
  const dpop = transaction.dpopKey ? await dpopHandle(provider, transaction.dpopKey) : undefined
  const { response, result } = await roundTrip('token', dpop,
    () => oauth.authorizationCodeGrantRequest(as, client, auth, validated, transaction.redirectUri, transaction.codeVerifier, { ...http, ...dpopOption(dpop) }),
    (answer) => oauth.processAuthorizationCodeResponse(as, client, answer, config.openid ? { expectedNonce: transaction.nonce ?? '', requireIdToken: true } : {}),
  )
  // RFC 9449 §5: a server that ignored the proof issued a bearer token, which the session must not pass off as bound.
  if (dpop && result.token_type !== 'dpop') throw new ClientError('invalid_response', { detail: `token_type ${result.token_type} where DPoP was requested` })
  const now = runtime.now()
  const claims = config.openid ? await validatedIdToken(provider, result, response, now) : undefined
  const user = await readUser(provider, result, claims, dpop)
  const tokens = toTokenSet(result, now)
  await startSession(runtime, ctx, user, tokens, transaction.dpopKey, typeof claims?.sid === 'string' ? claims.sid : undefined)
  runtime.logger?.info({ event: 'rp_login', provider: config.name, sub: user.sub }, 'signed in')
  return { user, tokens, claims, returnTo: transaction.returnTo }
}
