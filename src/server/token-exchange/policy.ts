import { isResourceIndicator } from '../../protocol/rfc8707/resource-indicator.js'
import type { RecordKind, Store } from '../../storage/types.js'
import type { ServerContext } from '../context.js'

/** The subject token types a policy may allow (RFC 8693 §3; Tessera's own access and ID tokens, trusted issuers' JWTs). */
export const EXCHANGEABLE_SUBJECT_TYPES = ['access_token', 'id_token', 'jwt'] as const
/** A subject token type a client's policy may allow: `access_token`, `id_token` or `jwt`. */
export type ExchangeableSubjectType = (typeof EXCHANGEABLE_SUBJECT_TYPES)[number]

/** An authorization server this client may get ID-JAGs for, and who the client is there. */
export interface IdJagTarget {
  /** The resource authorization server's issuer identifier: the ID-JAG's `aud` (the request's `audience`). */
  readonly audience: string
  /** The client's `client_id` at that server: the ID-JAG's `client_id`. */
  readonly client_id: string
  /** Scopes at that server the ID-JAG may carry (default none: no `scope` claim). */
  readonly scopes?: readonly string[]
  /** Resource identifiers at that server the ID-JAG may name in `resource` (default any the request names). */
  readonly resources?: readonly string[]
}

/**
 * What one client may do with token exchange (RFC 8693 §5: delegation and impersonation invite abuse, so
 * every widening is explicit). The JSON of `tessera-oidc client create|update --token-exchange-policy`,
 * of the configuration file's `tokenExchange.clients.<client id>` and of the registration metadata
 * member `token_exchange_policy`. Without one a client may only narrow: exchange an access token
 * issued to it (or addressed to one of its `resources`) for the same audience with a scope no wider.
 */
export interface TokenExchangePolicy {
  /** The client's own resource identifiers: access tokens addressed to them are the client's to exchange. */
  readonly resources?: readonly string[]
  /** Subject token types it may present (default `access_token`). */
  readonly subject_token_types?: readonly ExchangeableSubjectType[]
  /** Targets (`resource`/`audience`) it may ask for beyond the subject token's own audience. */
  readonly audiences?: readonly string[]
  /** The scopes an exchanged token may carry at most (still within the subject token's). */
  readonly scopes?: readonly string[]
  /** It may present an `actor_token` and get a delegated token (`act`, RFC 8693 §1.1). */
  readonly delegation?: boolean
  /** It may get a token for another audience without an actor: the token then speaks for the subject alone. */
  readonly impersonation?: boolean
  /** Authorization servers it may get Identity Assertion JWT Authorization Grants for. */
  readonly id_jag?: readonly IdJagTarget[]
}

/** No policy: exchange only narrows. */
export const DEFAULT_POLICY: TokenExchangePolicy = Object.freeze({})

/** A client's policy set by the CLI or dynamic registration, keyed by client id (the configuration file's come first). */
export const TOKEN_EXCHANGE_POLICY: RecordKind<TokenExchangePolicy> = { name: 'token-exchange-policy', durable: true }

/** A record that lives until deleted (year 9999). */
const NEVER = 253402300799

const MAX_ENTRIES = 50
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/
const POLICY_MEMBERS = ['resources', 'subject_token_types', 'audiences', 'scopes', 'delegation', 'impersonation', 'id_jag']
const ID_JAG_MEMBERS = ['audience', 'client_id', 'scopes', 'resources']

function stringList(value: unknown, name: string, check: (item: string) => boolean, what: string): string | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length > MAX_ENTRIES) return `${name} must be a list of at most ${MAX_ENTRIES} ${what}`
  const bad = value.find((item) => typeof item !== 'string' || !check(item))
  return bad === undefined ? undefined : `${name}: ${JSON.stringify(bad)} is not ${what.replace(/s$/, '')}`
}

/**
 * Why `value` is not a token exchange policy, or undefined when it is one. Unknown members are refused,
 * so a misspelt permission never silently means "not granted" — or, worse, is believed granted.
 */
export function tokenExchangePolicyProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'token_exchange_policy must be a JSON object'
  const policy = value as Record<string, unknown>
  const unknown = Object.keys(policy).find((key) => !POLICY_MEMBERS.includes(key))
  if (unknown !== undefined) return `token_exchange_policy has no member ${unknown} (known: ${POLICY_MEMBERS.join(', ')})`
  const isUri = (item: string): boolean => isResourceIndicator(item)
  const isTarget = (item: string): boolean => item !== '' && item.length <= 2048
  const problem = stringList(policy.resources, 'resources', isUri, 'absolute URIs')
    ?? stringList(policy.subject_token_types, 'subject_token_types', (item) => (EXCHANGEABLE_SUBJECT_TYPES as readonly string[]).includes(item), `token types (${EXCHANGEABLE_SUBJECT_TYPES.join(', ')})`)
    ?? stringList(policy.audiences, 'audiences', isTarget, 'audiences')
    ?? stringList(policy.scopes, 'scopes', (item) => SCOPE_TOKEN.test(item), 'scope tokens')
  if (problem) return problem
  for (const flag of ['delegation', 'impersonation'] as const) {
    if (policy[flag] !== undefined && typeof policy[flag] !== 'boolean') return `${flag} must be true or false`
  }
  if (policy.id_jag === undefined) return undefined
  if (!Array.isArray(policy.id_jag) || policy.id_jag.length > MAX_ENTRIES) return `id_jag must be a list of at most ${MAX_ENTRIES} targets`
  for (const [index, target] of (policy.id_jag as unknown[]).entries()) {
    if (typeof target !== 'object' || target === null || Array.isArray(target)) return `id_jag[${index}] must be a JSON object`
    const entry = target as Record<string, unknown>
    const stray = Object.keys(entry).find((key) => !ID_JAG_MEMBERS.includes(key))
    if (stray !== undefined) return `id_jag[${index}] has no member ${stray}`
    if (typeof entry.audience !== 'string' || !/^https?:\/\//.test(entry.audience) || !isUri(entry.audience)) return `id_jag[${index}].audience must be the issuer URL of the resource authorization server`
    if (typeof entry.client_id !== 'string' || entry.client_id === '' || entry.client_id.length > 255) return `id_jag[${index}].client_id must be the client's id at that server`
    const listProblem = stringList(entry.scopes, `id_jag[${index}].scopes`, (item) => SCOPE_TOKEN.test(item), 'scope tokens')
      ?? stringList(entry.resources, `id_jag[${index}].resources`, isUri, 'absolute URIs')
    if (listProblem) return listProblem
  }
  return undefined
}

/** The policy of a client: the configured one, else the stored one, else the default (exchange only narrows). */
export async function policyOf(ctx: ServerContext, configured: ReadonlyMap<string, TokenExchangePolicy>, clientId: string): Promise<TokenExchangePolicy> {
  const fixed = configured.get(clientId)
  if (fixed) return fixed
  return (await ctx.config.store.records.get(TOKEN_EXCHANGE_POLICY, clientId, ctx.config.now()))?.value ?? DEFAULT_POLICY
}

/**
 * Sets (or with `undefined` clears) a client's stored policy; validated first. Used by `tessera-oidc client
 * create|update --token-exchange-policy` and dynamic registration. Throws a `TypeError` naming the problem.
 */
export async function setTokenExchangePolicy(store: Store, clientId: string, policy: unknown): Promise<void> {
  if (policy === undefined || policy === null) {
    await store.records.delete(TOKEN_EXCHANGE_POLICY, clientId)
    return
  }
  const problem = tokenExchangePolicyProblem(policy)
  if (problem) throw new TypeError(problem)
  await store.records.put(TOKEN_EXCHANGE_POLICY, { key: clientId, value: policy as TokenExchangePolicy, expiresAt: NEVER, clientId }, { replace: true })
}

/** A client's stored policy, for `tessera-oidc client show` and the registration read-back. */
export async function storedTokenExchangePolicy(store: Store, clientId: string, now: number): Promise<TokenExchangePolicy | undefined> {
  return (await store.records.get(TOKEN_EXCHANGE_POLICY, clientId, now))?.value
}
