import { OAuthError } from '../../errors.js'
import type { Parameters } from '../../http/form.js'
import { isValidS256Challenge } from '../rfc7636/pkce.js'
import { isJwkThumbprint } from '../rfc9449/dpop-jkt.js'
import { readResourceIndicators } from '../rfc8707/resource-indicator.js'
import { essentialAcrOf, parseAcrValues, type AcrRequest } from '../oidc/acr-request.js'
import { isSubset, parseScope } from './scope.js'

/** OIDC Core §3.1.2.1 `prompt` values as the server acts on them (`select_account` is read as `login`: one account per session). */
export type Prompt = 'none' | 'login' | 'consent'

/** A request that passed every check of RFC 6749 §4.1.1, RFC 7636 §4.3 and OIDC Core §3.1.2.1. */
export interface AuthorizationRequest extends AcrRequest {
  client_id: string
  redirect_uri: string
  scopes: string[]
  state?: string | undefined
  nonce?: string | undefined
  code_challenge: string
  code_challenge_method: 'S256'
  prompt: Prompt[]
  max_age?: number | undefined
  login_hint?: string | undefined
  id_token_hint?: string | undefined
  /**
   * Which upstream identity provider to sign in with, skipping the chooser: `idp_hint`, or Keycloak's
   * `kc_idp_hint` under its own name. Not an OAuth parameter; an unknown value just shows the login page.
   */
  idp_hint?: string | undefined
  /**
   * OpenID Connect Core §3.1.2.1: the user's preferred languages for the pages, space-separated, most
   * preferred first; kept with the interaction so every page of the sign-in speaks it.
   */
  ui_locales?: string | undefined
  /** Resource indicators (RFC 8707 §2.1), each once, in the order given; syntax checked only. */
  resources: string[]
  /** RFC 9449 §10: the thumbprint of the DPoP key the code will be bound to. */
  dpop_jkt?: string | undefined
}

/** The part of a registered client the authorization endpoint needs. */
export interface AuthorizationClient {
  client_id: string
  redirect_uris: readonly string[]
  grant_types: readonly string[]
  scopes: readonly string[]
}

export type AuthorizationRequestResult =
  | { kind: 'valid'; request: AuthorizationRequest }
  /** The client or redirect URI cannot be trusted: show an error page, never redirect (§4.1.2.1). */
  | { kind: 'show'; error: OAuthError }
  /** Redirect `error` to the (registered) redirect URI with `state`. */
  | { kind: 'redirect'; error: OAuthError; redirectUri: string; state: string | undefined }

const LOOPBACK_IP_URI = /^http:\/\/(127\.0\.0\.1|\[::1\])(:\d{1,5})?([/?].*)?$/

/**
 * RFC 9700 §4.1.3: redirect URIs are compared as exact strings. The one exception is the port of a
 * loopback IP redirect URI registered without a port, which native apps choose at run time
 * (RFC 8252 §7.3).
 */
export function matchesRegisteredRedirectUri(presented: string, registered: readonly string[]): boolean {
  if (registered.includes(presented)) return true
  const match = LOOPBACK_IP_URI.exec(presented)
  if (!match?.[2]) return false
  // RFC 6335 §6: ports are 1-65535. A larger "port" would pass the pattern but no redirect could be built
  // to it (WHATWG URL refuses it), turning a later error redirect into a server error (catalogue AZ-05).
  const port = Number(match[2].slice(1))
  if (port < 1 || port > 65535) return false
  const withoutPort = `http://${match[1]}${match[3] ?? ''}`
  return registered.some((uri) => uri === withoutPort && LOOPBACK_IP_URI.exec(uri)?.[2] === undefined)
}

function parsePrompt(value: string | undefined): Prompt[] {
  if (value === undefined) return []
  const prompts = [...new Set(value.split(' ').filter((v) => v !== ''))]
  for (const prompt of prompts) {
    // select_account is accepted and treated as login: Tessera has one account per session.
    if (!['none', 'login', 'consent', 'select_account'].includes(prompt)) {
      throw new OAuthError('invalid_request', `Unsupported prompt value ${prompt}`)
    }
  }
  // OIDC Core §3.1.2.1: none with any other value is an error.
  if (prompts.includes('none') && prompts.length > 1) throw new OAuthError('invalid_request', 'prompt=none cannot be combined')
  return prompts.map((prompt) => (prompt === 'select_account' ? 'login' : prompt)) as Prompt[]
}

function acrRequestOf(params: Parameters): AcrRequest {
  const acrValues = parseAcrValues(params.get('acr_values'))
  const essential = essentialAcrOf(params.get('claims'))
  return { ...(acrValues ? { acr_values: acrValues } : {}), ...(essential ? { essential_acr: essential } : {}) }
}

function parseMaxAge(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,10}$/.test(value)) throw new OAuthError('invalid_request', 'max_age must be a non-negative integer')
  return Number(value)
}

/**
 * Validates an authorization request in the order RFC 6749 §4.1.2.1 requires: first the client and
 * redirect URI (failures are shown to the user), then everything else (failures are redirected).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export function validateAuthorizationRequest(
  params: Parameters,
  client: AuthorizationClient | undefined,
  options: { scopesSupported: readonly string[] },
): AuthorizationRequestResult {
  let clientId: string | undefined
  let redirectUri: string | undefined
  try {
    clientId = params.get('client_id')
    redirectUri = params.get('redirect_uri')
  } catch (error) {
    return { kind: 'show', error: error as OAuthError }
  }
  if (clientId === undefined) return { kind: 'show', error: new OAuthError('invalid_request', 'Missing client_id') }
  if (!client || client.client_id !== clientId) return { kind: 'show', error: new OAuthError('invalid_client', 'Unknown client') }
  // Always required: with it the token request can bind the code to the exact URI (RFC 6749 §4.1.3).
  if (redirectUri === undefined) return { kind: 'show', error: new OAuthError('invalid_request', 'Missing redirect_uri') }
  if (!matchesRegisteredRedirectUri(redirectUri, client.redirect_uris)) {
    return { kind: 'show', error: new OAuthError('invalid_request', 'redirect_uri is not registered for this client') }
  }

  // RFC 8707 §2: a malformed resource is shown, not redirected — the catalogue's RI-02 treats it as a
  // broken request rather than a decision about a target (which comes once the user is known).
  let resources: string[]
  try {
    resources = readResourceIndicators(params.all('resource'))
  } catch (error) {
    return { kind: 'show', error: error as OAuthError }
  }

  let state: string | undefined
  try {
    state = params.get('state')
  } catch (error) {
    return { kind: 'redirect', error: error as OAuthError, redirectUri, state: undefined }
  }
  try {
    const repeated = params.repeated(['resource'])
    if (repeated.length > 0) throw new OAuthError('invalid_request', `Parameter ${repeated[0]} was repeated`)
    const responseType = params.get('response_type')
    if (responseType === undefined) throw new OAuthError('invalid_request', 'Missing response_type')
    // OAuth 2.1 / RFC 9700 §2.1.2: only the code flow; tokens never travel in the front channel.
    if (responseType !== 'code') throw new OAuthError('unsupported_response_type', 'Only response_type=code is supported')
    if (params.has('request')) throw new OAuthError('request_not_supported', 'Request objects are not supported')
    if (params.has('request_uri')) throw new OAuthError('request_uri_not_supported', 'request_uri is not supported')
    const responseMode = params.get('response_mode')
    if (responseMode !== undefined && responseMode !== 'query') throw new OAuthError('invalid_request', 'Only response_mode=query is supported')
    if (!client.grant_types.includes('authorization_code')) {
      throw new OAuthError('unauthorized_client', 'The client may not use the authorization code grant')
    }

    const scopes = parseScope(params.get('scope'))
    if (scopes.length === 0) throw new OAuthError('invalid_scope', 'scope is required')
    if (!isSubset(scopes, options.scopesSupported) || !isSubset(scopes, client.scopes)) {
      throw new OAuthError('invalid_scope', 'The requested scope is unknown or not allowed for this client')
    }

    const codeChallenge = params.get('code_challenge')
    const method = params.get('code_challenge_method')
    if (codeChallenge === undefined) throw new OAuthError('invalid_request', 'code_challenge is required (PKCE)')
    // RFC 7636 §4.3 defaults an absent method to plain, which Tessera refuses (RFC 9700 §2.1.1).
    if (method !== 'S256') throw new OAuthError('invalid_request', 'code_challenge_method must be S256')
    if (!isValidS256Challenge(codeChallenge)) throw new OAuthError('invalid_request', 'Malformed code_challenge')
    const dpopJkt = params.get('dpop_jkt')
    if (dpopJkt !== undefined && !isJwkThumbprint(dpopJkt)) throw new OAuthError('invalid_request', 'dpop_jkt must be a base64url SHA-256 JWK thumbprint')

    return {
      kind: 'valid',
      request: {
        client_id: clientId,
        redirect_uri: redirectUri,
        scopes,
        state,
        nonce: params.get('nonce'),
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        prompt: parsePrompt(params.get('prompt')),
        max_age: parseMaxAge(params.get('max_age')),
        login_hint: params.get('login_hint'),
        id_token_hint: params.get('id_token_hint'),
        ...idpHint(params.get('idp_hint') ?? params.get('kc_idp_hint')),
        ...uiLocales(params.get('ui_locales')),
        resources,
        ...(dpopJkt !== undefined ? { dpop_jkt: dpopJkt } : {}),
        ...acrRequestOf(params),
      },
    }
  } catch (error) {
    if (error instanceof OAuthError) return { kind: 'redirect', error, redirectUri, state }
    throw error
  }
}

/** A provider name as configured (`[A-Za-z0-9_-]`, at most 64); anything else is ignored rather than refused. */
// A preference only: malformed tags are dropped, never an error (OpenID Connect Core §3.1.2.1).
function uiLocales(value: string | undefined): { ui_locales?: string } {
  const tags = (value ?? '').slice(0, 256).split(' ').filter((tag) => /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(tag))
  return tags.length > 0 ? { ui_locales: tags.join(' ') } : {}
}

function idpHint(value: string | undefined): { idp_hint?: string } {
  return value !== undefined && /^[A-Za-z0-9_-]{1,64}$/.test(value) ? { idp_hint: value } : {}
}
