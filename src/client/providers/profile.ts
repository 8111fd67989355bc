import * as oauth from 'oauth4webapi'
import { ClientError } from '../errors.js'
import type { RequestOptions } from '../http.js'

/** The user as a plain-OAuth provider's API describes them, reduced to OIDC standard claim names. */
export interface ProviderProfile {
  /** Stable, provider-assigned identifier (never the email address). */
  sub: string
  email?: string
  email_verified?: boolean
  name?: string
  preferred_username?: string
  picture?: string
  /** The provider's own fields, as returned. */
  raw: Record<string, unknown>
}

/**
 * Reads the user of an access token from a plain OAuth 2.0 provider's API (no ID token, no userinfo);
 * `issuer` is the registration's, for providers that also run self-hosted (GitHub Enterprise Server).
 */
export type ProfileFetcher = (accessToken: string, options: RequestOptions, issuer: string) => Promise<ProviderProfile>

/** GET a JSON API with the bearer token; `undefined` for 403/404 (a missing optional scope). */
export async function getJson(accessToken: string, url: string, options: RequestOptions, headers: Record<string, string> = {}): Promise<unknown> {
  let response: Response
  try {
    response = await oauth.protectedResourceRequest(accessToken, 'GET', new URL(url), new Headers({ accept: 'application/json', ...headers }), null, options)
  } catch (error) {
    if (error instanceof oauth.WWWAuthenticateChallengeError) {
      throw new ClientError('provider_rejected', { detail: `${url} answered ${error.status}`, cause: error })
    }
    throw error
  }
  if (response.status === 403 || response.status === 404) return undefined
  if (response.status !== 200) throw new ClientError('provider_rejected', { detail: `${url} answered ${response.status}` })
  try {
    return (await response.json()) as unknown
  } catch (cause) {
    throw new ClientError('invalid_response', { detail: `${url} did not answer JSON`, cause })
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** A numeric or string id as the subject; anything else is an invalid answer. */
export function subjectOf(value: unknown, source: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
  if (typeof value === 'string' && value !== '') return value
  throw new ClientError('invalid_response', { detail: `${source} has no usable id` })
}
