import { OAuthError } from '../../errors.js'
import type { OAuthRequest } from '../../http/types.js'
import type { Store } from '../../storage/types.js'
import { jsonBody } from '../rfc7591/client-information.js'
import { setTokenExchangePolicy, storedTokenExchangePolicy, tokenExchangePolicyProblem, type TokenExchangePolicy } from './policy.js'

/**
 * The registration metadata member `token_exchange_policy` (RFC 7591 §2 lets a server define its own): the
 * client's token exchange policy, validated like the CLI's. Only with an initial access token (`--registration
 * token`): a policy claims resources as the client's own and widens where its tokens may go, so a client
 * anyone could register with one could exchange any user's token addressed to an API it names. Open
 * registration refuses the member (`invalid_client_metadata`) rather than ignore it, so a client never
 * believes it holds a permission it does not. Undefined when the member is absent.
 */
export function registeredTokenExchangePolicy(request: OAuthRequest, authenticated: boolean): TokenExchangePolicy | undefined {
  const body = jsonBody(request)
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).token_exchange_policy : undefined
  if (value === undefined) return undefined
  if (!authenticated) throw new OAuthError('invalid_client_metadata', 'token_exchange_policy needs registration with an initial access token')
  const problem = tokenExchangePolicyProblem(value)
  if (problem) throw new OAuthError('invalid_client_metadata', problem)
  return value as TokenExchangePolicy
}

/** Stores (undefined: removes) a registered client's policy, already checked by `registeredTokenExchangePolicy`. */
export function storeRegisteredTokenExchangePolicy(store: Store, clientId: string, policy: TokenExchangePolicy | undefined): Promise<void> {
  return setTokenExchangePolicy(store, clientId, policy)
}

/**
 * RFC 7592 §2.2 update: a registration access token is the client's own credential, not the operator's, so it
 * cannot change the policy (that would let a client grant itself delegation). Sending the stored policy back,
 * as a client echoing its registration does, is accepted; a different one is `invalid_client_metadata`;
 * omitting it keeps it (the operator removes it with `tessera-oidc client update --token-exchange-policy none`).
 */
export async function checkTokenExchangePolicyUnchanged(store: Store, clientId: string, sent: unknown, now: number): Promise<void> {
  if (sent === undefined) return
  const stored = await storedTokenExchangePolicy(store, clientId, now)
  if (JSON.stringify(sent) !== JSON.stringify(stored)) {
    throw new OAuthError('invalid_client_metadata', 'token_exchange_policy cannot be changed with the registration access token: the operator sets it')
  }
}

/** The `token_exchange_policy` member of a client information response (RFC 7591 §3.2.1: every registered member). */
export async function tokenExchangePolicyMember(store: Store, clientId: string, now: number): Promise<{ token_exchange_policy?: TokenExchangePolicy }> {
  const stored = await storedTokenExchangePolicy(store, clientId, now)
  return stored ? { token_exchange_policy: stored } : {}
}
