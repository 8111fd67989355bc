import { OAuthError } from '../../errors.js'
import type { OAuthRequest } from '../../http/types.js'
import type { Store } from '../../storage/types.js'
import { jsonBody } from '../rfc7591/client-information.js'
import { setTokenExchangePolicy, tokenExchangePolicyProblem, type TokenExchangePolicy } from './policy.js'

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
