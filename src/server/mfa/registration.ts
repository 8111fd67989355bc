import { OAuthError } from '../../errors.js'
import type { Store } from '../../storage/types.js'
import { setClientRequireMfa } from './policy.js'
import { CLIENT_MFA_POLICY } from './records.js'

/*
 * The registration metadata member `require_mfa` (RFC 7591 §2 lets a server define its own): logins to the
 * client need two factors, as `tessera-oidc client update --require-mfa` sets. Like `token_exchange_policy`
 * it is the operator's decision, so it is accepted only where the operator vouches for the registrant —
 * registration with an initial access token — and refused (`invalid_client_metadata`) under open
 * registration rather than ignored, so a client never believes a policy holds that does not. With the
 * registration access token (RFC 7592 §2.2) a client may tighten (turn it on, on a server that takes it at
 * registration) but never loosen: turning it off is the operator's.
 */

function member(body: unknown): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>).require_mfa : undefined
}

function checkedValue(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new OAuthError('invalid_client_metadata', 'require_mfa must be true or false')
  return value
}

/** The registration's `require_mfa` (undefined when absent), refused without an initial access token. */
export function registeredRequireMfa(body: unknown, withInitialAccessToken: boolean): boolean | undefined {
  const value = member(body)
  if (value === undefined) return undefined
  if (!withInitialAccessToken) throw new OAuthError('invalid_client_metadata', 'require_mfa needs registration with an initial access token')
  return checkedValue(value)
}

async function storedRequireMfa(store: Store, clientId: string, now: number): Promise<boolean> {
  return (await store.records.get(CLIENT_MFA_POLICY, clientId, now))?.value.require_mfa === true
}

/**
 * RFC 7592 §2.2 update: what to store for `require_mfa`, or undefined to keep it. Omitted or sent back as
 * stored: kept. `true` over `false`: stored, where registration takes the member (`tighten`). `false` over
 * `true`: `invalid_client_metadata`.
 */
export async function updatedRequireMfa(store: Store, clientId: string, body: unknown, tighten: boolean, now: number): Promise<boolean | undefined> {
  const value = member(body)
  if (value === undefined) return undefined
  const wanted = checkedValue(value)
  const stored = await storedRequireMfa(store, clientId, now)
  if (wanted === stored) return undefined
  if (!wanted) throw new OAuthError('invalid_client_metadata', 'require_mfa cannot be turned off with the registration access token: the operator does that')
  if (!tighten) throw new OAuthError('invalid_client_metadata', 'require_mfa needs registration with an initial access token')
  return true
}

/** Stores the client's requirement (only `true` is kept; absence means false). */
export async function storeRegisteredRequireMfa(store: Store, clientId: string, required: boolean): Promise<void> {
  await setClientRequireMfa(store, clientId, required)
}

/** The `require_mfa` member of a client information response (RFC 7591 §3.2.1): present when it is on. */
export async function requireMfaMember(store: Store, clientId: string, now: number): Promise<{ require_mfa?: true }> {
  return (await storedRequireMfa(store, clientId, now)) ? { require_mfa: true } : {}
}
