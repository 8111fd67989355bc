/**
 * Framework-neutral request and response values. Every endpoint takes an `OAuthRequest` and answers an
 * `OAuthResponse`; adapters only convert.
 */
export interface OAuthRequest {
  method: string
  /** Absolute URL as received; only path and query are read (the issuer never comes from here). */
  url: URL
  /**
   * The same URL as a string, when the adapter has it at hand: a reader that needs only the query (the
   * bearer-token lookup) then skips parsing it, and the adapter may build `url` lazily.
   */
  href?: string | undefined
  /** Header names lower-cased. Repeated headers are joined with ", " except where noted by the adapter. */
  headers: Headers
  /** Raw body bytes, already bounded by the adapter's size limit; `undefined` for bodiless requests. */
  body?: Uint8Array | undefined
  /** Peer address as seen by the socket (never from X-Forwarded-For unless a trusted proxy is configured). */
  remoteAddress?: string | undefined
}

/** A framework-neutral HTTP response: what every endpoint returns and every adapter writes out. */
export interface OAuthResponse {
  status: number
  headers: Headers
  body?: string | Uint8Array | undefined
}

/** Bodies larger than this are refused with 413 before parsing. */
export const DEFAULT_BODY_LIMIT = 64 * 1024

/** Longer query strings are refused with 414 (catalogue RL-05); every OAuth request fits in far less. */
export const MAX_QUERY_LENGTH = 8 * 1024

/** More parameters than this in one query or form is an `invalid_request` (catalogue RL-05). */
export const MAX_PARAMETERS = 100

/** Longest parameter value accepted: a bearer token's limit (RFC 6750 parser), room for any JWT hint. */
export const MAX_PARAMETER_LENGTH = 8 * 1024
