import { OAuthError } from '../../errors.js'
import { randomToken, sha256 } from '../../crypto/random.js'
import type { AuthorizationRequest } from '../../protocol/rfc6749/authorization-request.js'
import type { RecordKind } from '../../storage/types.js'
import type { RequestReferences, ServerContext } from '../context.js'

/** RFC 9126 §2.2: the URN prefix of every `request_uri` this server issues. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:'

/**
 * A pushed authorization request, validated when it was pushed. Open for what later capabilities bind
 * to it at push time (RFC 9449 §10.1: the `dpop_jkt` of a DPoP proof sent to the PAR endpoint).
 */
export interface PushedRequest {
  readonly request: AuthorizationRequest
  readonly dpop_jkt?: string
}

/** Keyed by the SHA-256 of the `request_uri`: the store never holds a usable reference. */
export const PUSHED_REQUEST: RecordKind<PushedRequest> = { name: 'pushed-request' }

/** Stores a pushed request and returns its `request_uri` (≥ 128 bits of randomness: RFC 9126 §7.1). */
export async function storePushedRequest(ctx: ServerContext, value: PushedRequest, lifetimeSeconds: number): Promise<string> {
  const requestUri = REQUEST_URI_PREFIX + randomToken(32)
  const now = ctx.config.now()
  await ctx.config.store.records.put(PUSHED_REQUEST, { key: sha256(requestUri), value, expiresAt: now + lifetimeSeconds, clientId: value.request.client_id })
  return requestUri
}

// One description for every failure: whether a URN exists for another client is not the caller's business.
const UNUSABLE = 'The request_uri is unknown, expired or already used'

/**
 * RFC 9126 §4: the pushed request of `clientId`, used once. The client is checked before the record is
 * used up, so a reference presented with another client's id stays usable by its own client (§7.1);
 * of concurrent uses (two tabs) exactly one wins (§4: "one-time use"), so one request yields one code.
 */
export async function consumePushedRequest(ctx: ServerContext, clientId: string, requestUri: string): Promise<PushedRequest> {
  const key = sha256(requestUri)
  const now = ctx.config.now()
  const stored = await ctx.config.store.records.get(PUSHED_REQUEST, key, now)
  if (!stored || stored.value.request.client_id !== clientId) {
    throw new OAuthError('invalid_request_uri', UNUSABLE, { detail: stored ? `request_uri pushed by another client, presented by ${clientId}` : undefined })
  }
  const used = await ctx.config.store.records.consume(PUSHED_REQUEST, key, now)
  if (used.status !== 'consumed') throw new OAuthError('invalid_request_uri', UNUSABLE, { detail: 'request_uri used concurrently' })
  return used.record.value
}

/** The `/authorize` side of PAR: URN references resolved to the request their client pushed. */
export function pushedRequestReferences(required: boolean): RequestReferences {
  return {
    handles: (requestUri) => requestUri.startsWith(REQUEST_URI_PREFIX),
    resolve: async (ctx: ServerContext, clientId: string, requestUri: string) => (await consumePushedRequest(ctx, clientId, requestUri)).request,
    requiredForAll: required,
  }
}
