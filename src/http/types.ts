/**
 * Framework-neutral request and response values. Every endpoint takes an `OAuthRequest` and answers an
 * `OAuthResponse`; adapters only convert.
 */
export interface OAuthRequest {
  method: string
  /** Absolute URL as received; only path and query are read (the issuer never comes from here). */
  url: URL
  /** Header names lower-cased. Repeated headers are joined with ", " except where noted by the adapter. */
  headers: Headers
  /** Raw body bytes, already bounded by the adapter's size limit; `undefined` for bodiless requests. */
  body?: Uint8Array | undefined
  /** Peer address as seen by the socket (never from X-Forwarded-For unless a trusted proxy is configured). */
  remoteAddress?: string | undefined
}

export interface OAuthResponse {
  status: number
  headers: Headers
  body?: string | Uint8Array | undefined
}

/** Bodies larger than this are refused with 413 before parsing. */
export const DEFAULT_BODY_LIMIT = 64 * 1024
