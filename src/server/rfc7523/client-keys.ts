import { guardedFetch, OutboundRequestError } from '../../http/guarded-fetch.js'
import type { JSONWebKeySet } from '../../jwt/verify.js'
import { MAX_CLIENT_KEYS, publicKeyProblem } from '../../protocol/rfc7591/client-keys.js'
import type { ClientRecord } from '../../storage/types.js'
import type { ServerContext } from '../context.js'

/** Seconds a fetched key set is used before it is fetched again. */
export const KEY_SET_MAX_AGE_SECONDS = 600
/** Seconds after a fetch during which an unknown `kid` does not trigger another (catalogue JA-08). */
export const KEY_REFETCH_COOLDOWN_SECONDS = 60
/** Largest `jwks_uri` answer read: a few keys fit in a fraction of it. */
const MAX_KEY_SET_BYTES = 64 * 1024
/** Clients whose fetched keys are kept, per server; the least recently fetched go first. */
const MAX_CACHED_CLIENTS = 1000

interface CachedKeySet {
  /** The last good key set; undefined until a fetch has succeeded. */
  keys: JSONWebKeySet | undefined
  fetchedAt: number
  /** Last attempt, good or not: the cool-down runs from here. */
  attemptedAt: number
  pending: Promise<void> | undefined
}

// Per server (a context is one server), so two servers in one process never share a client's keys.
const caches = new WeakMap<ServerContext, Map<string, CachedKeySet>>()

/**
 * The keys that may verify `client`'s assertions: its registered `jwks`, or the key set at its `jwks_uri`
 * fetched through the SSRF guard (`guardedFetch`: no redirects, bounded size and time) and cached. An
 * unknown `kid` refetches at most once per cool-down per client (OIDC Core §10.1.1 rotation without
 * letting assertions drive the fetches); a failed fetch keeps the last good keys. Undefined when the
 * client has no keys the server could obtain.
 */
export async function clientKeySet(ctx: ServerContext, client: ClientRecord, kid: string | undefined): Promise<JSONWebKeySet | undefined> {
  if (client.jwks) return client.jwks as JSONWebKeySet
  if (!client.jwks_uri) return undefined
  return fetchedKeySet(ctx, `client\n${client.client_id}\n${client.jwks_uri}`, client.jwks_uri, kid)
}

/**
 * The key set at `uri`, fetched through the SSRF guard and cached per server under `cacheKey` with the
 * same rules as a client's `jwks_uri` (maximum age, one refetch per cool-down on an unknown `kid`, the
 * last good keys kept when a fetch fails). Shared by client keys and the JWT-bearer grant's trusted issuers.
 */
export async function fetchedKeySet(ctx: ServerContext, cacheKey: string, uri: string, kid: string | undefined): Promise<JSONWebKeySet | undefined> {
  let cache = caches.get(ctx)
  if (!cache) caches.set(ctx, (cache = new Map()))
  const now = ctx.config.now()
  let entry = cache.get(cacheKey)
  if (!entry) {
    entry = { keys: undefined, fetchedAt: 0, attemptedAt: Number.NEGATIVE_INFINITY, pending: undefined }
    cache.set(cacheKey, entry)
    evictOldest(cache)
  }
  const stale = entry.keys === undefined || now - entry.fetchedAt >= KEY_SET_MAX_AGE_SECONDS
  const unknownKid = kid !== undefined && entry.keys !== undefined && !entry.keys.keys.some((key) => key.kid === kid)
  if ((stale || unknownKid) && now - entry.attemptedAt >= KEY_REFETCH_COOLDOWN_SECONDS) {
    // Single flight: concurrent assertions of one client wait for the same fetch.
    entry.pending ??= refresh(ctx, uri, entry, now).finally(() => {
      if (entry) entry.pending = undefined
    })
  }
  if (entry.pending) await entry.pending
  return entry.keys
}

async function refresh(ctx: ServerContext, uri: string, entry: CachedKeySet, now: number): Promise<void> {
  entry.attemptedAt = now
  try {
    const answer = await guardedFetch(uri, { headers: { accept: 'application/jwk-set+json, application/json' }, maxBytes: MAX_KEY_SET_BYTES }, ctx.config.outbound)
    if (answer.status !== 200) throw new Error(`status ${answer.status}`)
    const keys = publicKeySet(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(answer.body)))
    if (!keys) throw new Error('not a key set of public keys')
    entry.keys = keys
    entry.fetchedAt = now
  } catch (error) {
    // Catalogue JA-08: the last good keys stay; the operator learns why, the client only that it failed.
    const reason = error instanceof OutboundRequestError ? error.code : error instanceof Error ? error.message : 'failed'
    ctx.config.logger?.warn({ jwks_uri: uri, reason }, 'jwks_uri could not be fetched; keeping the last good keys')
  }
}

/** A JWKS of public keys only, or undefined: one private member and the whole set is refused. */
function publicKeySet(value: unknown): JSONWebKeySet | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const keys = (value as { keys?: unknown }).keys
  if (!Array.isArray(keys) || keys.length > MAX_CLIENT_KEYS * 2) return undefined
  if (keys.some((key) => publicKeyProblem(key) !== undefined)) return undefined
  return { keys: keys as JSONWebKeySet['keys'] }
}

function evictOldest(cache: Map<string, CachedKeySet>): void {
  while (cache.size > MAX_CACHED_CLIENTS) {
    const oldest = cache.keys().next().value
    if (oldest === undefined) return
    cache.delete(oldest)
  }
}
