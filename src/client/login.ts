import * as oauth from 'oauth4webapi'
import type { ClientContext, ClientRedirect } from './context.js'
import { redirectTo } from './context.js'
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

async function authorizationUrl(provider: Provider, transaction: Transaction, extra: Record<string, string> = {}): Promise<URL> {
  // checkServerMetadata made sure the endpoint exists and is https (or opted-in loopback http).
  const url = new URL(provider.as.authorization_endpoint ?? '')
  const params = { ...provider.config.authorizationParams, ...extra }
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', provider.config.clientId)
  url.searchParams.set('redirect_uri', transaction.redirectUri)
  url.searchParams.set('scope', provider.config.scope)
  url.searchParams.set('state', transaction.state)
  if (transaction.nonce) url.searchParams.set('nonce', transaction.nonce)
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(transaction.codeVerifier))
  url.searchParams.set('code_challenge_method', 'S256')
  if (provider.config.responseMode !== 'query') url.searchParams.set('response_mode', provider.config.responseMode)
  return url
}

/** The callback's parameters: the query, or the form body for `response_mode=form_post`. */
function callbackParameters(ctx: ClientContext, provider: Provider): URLSearchParams {
  if (provider.config.responseMode === 'form_post') return ctx.method === 'POST' && ctx.body ? ctx.body : new URLSearchParams()
  return ctx.url.searchParams
}

async function readUser(provider: Provider, tokens: oauth.TokenEndpointResponse, claims: oauth.IDToken | undefined): Promise<ClientUser> {
  const { config, as, client, http } = provider
  const { profile } = config
  if (profile) return userFromProfile(config.name, config.issuer, await providerStep('profile', () => profile(tokens.access_token, http)))
  if (!claims) throw new ClientError('invalid_response', { detail: 'no ID token' })
  if (!config.fetchUserinfo || !as.userinfo_endpoint) return userFromClaims(config.name, config.issuer, claims, undefined)
  // OIDC Core §5.3.2: the userinfo `sub` MUST equal the ID token's, else the response is not used (RP-12).
  const userinfo = await providerStep('userinfo', async () => {
    const response = await oauth.userInfoRequest(as, client, tokens.access_token, http)
    return oauth.processUserInfoResponse(as, client, claims.sub, response)
  })
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
  const response = await providerStep('token request', () => oauth.authorizationCodeGrantRequest(as, client, auth, validated, transaction.redirectUri, transaction.codeVerifier, http))
  const result = await providerStep('token response', () =>
    oauth.processAuthorizationCodeResponse(as, client, response, config.openid ? { expectedNonce: transaction.nonce ?? '', requireIdToken: true } : {}),
  )
  const now = runtime.now()
  const claims = config.openid ? await validatedIdToken(provider, result, response, now) : undefined
  const user = await readUser(provider, result, claims)
  const tokens = toTokenSet(result, now)
  await startSession(runtime, ctx, user, tokens)
  runtime.logger?.info({ event: 'rp_login', provider: config.name, sub: user.sub }, 'signed in')
  return { user, tokens, claims, returnTo: transaction.returnTo }
}
