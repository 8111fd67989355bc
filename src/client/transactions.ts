import * as oauth from 'oauth4webapi'
import { sha256 } from '../crypto/random.js'
import type { ClientContext } from './context.js'
import { cookieName, readSignedCookie, setSignedCookie } from './cookies.js'
import { generateDpopKey, type DpopKey } from './dpop.js'
import { ClientError } from './errors.js'
import type { Provider } from './registry.js'
import { TRANSACTION_TTL, type Runtime } from './runtime.js'
import { seal, unseal } from './seal.js'

/** The secrets and parameters of one pending login; stored sealed, keyed by SHA-256 of `state`. */
export interface Transaction {
  state: string
  nonce: string | undefined
  codeVerifier: string
  provider: string
  redirectUri: string
  returnTo: string
  createdAt: number
  /** The login's DPoP key (RFC 9449), when the provider is registered with `dpop`; sealed with the rest. */
  dpopKey?: DpopKey | undefined
}

/** How many logins one browser may have pending at once (several tabs, several providers). */
const MAX_PENDING = 8

type SealedFields = Omit<Transaction, 'state' | 'provider' | 'createdAt'>

const formPost = (provider: Provider): boolean => provider.config.responseMode === 'form_post'

function pendingKeys(ctx: ClientContext, runtime: Runtime, provider: Provider): string[] {
  const value = readSignedCookie(ctx, runtime.keys.cookie, cookieName(ctx, formPost(provider) ? 'tx-post' : 'tx'))
  return value ? value.split('~').filter((key) => /^[A-Za-z0-9_-]{43}$/.test(key)) : []
}

function writePending(ctx: ClientContext, runtime: Runtime, keys: string[], provider: Provider): void {
  const name = cookieName(ctx, formPost(provider) ? 'tx-post' : 'tx')
  setSignedCookie(ctx, runtime.keys.cookie, name, keys.join('~'), { maxAge: keys.length > 0 ? TRANSACTION_TTL : 0, sameSite: formPost(provider) ? 'None' : 'Lax' })
}

/**
 * Starts a login: fresh `state`, `nonce` (OIDC) and PKCE verifier (RFC 7636 §4.1), stored server-side and
 * bound to this browser by the signed transaction cookie, which lists the browser's pending transactions
 * (RFC 9700 §2.1.1: "transaction-specific and securely bound to the client and the user agent").
 */
export async function beginTransaction(runtime: Runtime, ctx: ClientContext, provider: Provider, redirectUri: string, returnTo: string): Promise<Transaction> {
  const dpopKey = provider.config.dpop ? await generateDpopKey() : undefined
  const now = runtime.now()
  const transaction: Transaction = {
    state: oauth.generateRandomState(),
    nonce: provider.config.openid ? oauth.generateRandomNonce() : undefined,
    codeVerifier: oauth.generateRandomCodeVerifier(),
    provider: provider.config.name,
    redirectUri,
    returnTo,
    createdAt: now,
    dpopKey,
  }
  const key = sha256(transaction.state)
  const fields: SealedFields = { nonce: transaction.nonce, codeVerifier: transaction.codeVerifier, redirectUri, returnTo, ...(dpopKey ? { dpopKey } : {}) }
  await runtime.store.transactions.save({
    key,
    provider: transaction.provider,
    sealed: seal(runtime.keys.seal, JSON.stringify(fields), `rp_transactions:${key}`),
    created_at: now,
    expires_at: now + TRANSACTION_TTL,
  })
  const pending = pendingKeys(ctx, runtime, provider).filter((existing) => existing !== key)
  writePending(ctx, runtime, [...pending, key].slice(-MAX_PENDING), provider)
  return transaction
}

/**
 * Finds and consumes this browser's transaction for the callback's `state` (RFC 6749 §10.12). Runs before
 * any request to the provider, so a forged or replayed callback never causes a token request (RP-07).
 * The cookie is checked first: a state that is not one of this browser's pending logins is not consumed.
 */
export async function consumeTransaction(runtime: Runtime, ctx: ClientContext, provider: Provider, state: string | null): Promise<Transaction> {
  const pending = pendingKeys(ctx, runtime, provider)
  if (pending.length === 0) throw new ClientError('transaction_missing', { detail: 'no transaction cookie on the callback' })
  if (!state) throw new ClientError('state_mismatch', { detail: 'callback without state' })
  const key = sha256(state)
  if (!pending.includes(key)) throw new ClientError('state_mismatch', { detail: 'state is not pending in this browser' })
  writePending(ctx, runtime, pending.filter((existing) => existing !== key), provider)
  const record = await runtime.store.transactions.consume(key)
  if (!record) throw new ClientError('transaction_unknown', { detail: 'transaction already used or purged' })
  if (record.expires_at <= runtime.now()) throw new ClientError('transaction_expired', { detail: 'transaction older than its lifetime' })
  if (record.provider !== provider.config.name) {
    throw new ClientError('state_mismatch', { detail: `transaction was for provider ${record.provider}, callback for ${provider.config.name}` })
  }
  const opened = unseal(runtime.keys.seal, record.sealed, `rp_transactions:${key}`)
  if (opened === undefined) throw new ClientError('transaction_unknown', { detail: 'transaction could not be unsealed (secret changed?)' })
  const fields = JSON.parse(opened) as SealedFields
  return { ...fields, state, provider: record.provider, createdAt: record.created_at }
}
