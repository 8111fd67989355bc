/**
 * What the relying party needs from an HTTP request, independent of the framework: the URL (path and
 * query are read, never the host), the headers (for cookies), whether the app is served over https, and
 * for `response_mode=form_post` callbacks the form body. Cookies to set are collected in `cookies`; the
 * adapter writes them out as `Set-Cookie` headers.
 *
 * @example
 * ```ts
 * const ctx = createClientContext({ url: request.url, headers: request.headers })
 * const redirect = await oauth.authorizeRedirect(ctx, 'google', 'https://app.example/cb')
 * // write ctx.cookies as Set-Cookie, then redirect.status / redirect.location
 * ```
 */
export interface ClientContext {
  method: string
  url: URL
  headers: Headers
  /** True when the browser reaches the app over https: cookies get `Secure` and the `__Host-` prefix. */
  https: boolean
  /** Parsed `application/x-www-form-urlencoded` body of a POST callback (form_post response mode). */
  body: URLSearchParams | undefined
  /** `Set-Cookie` values to send with the response. */
  readonly cookies: string[]
}

/** The parts of an incoming request the relying party reads, whatever the framework. */
export interface ClientContextInput {
  method?: string
  url: string | URL
  headers: Headers | Record<string, string | string[] | undefined>
  /** Defaults to the URL's scheme; pass it explicitly behind a TLS-terminating proxy. */
  https?: boolean
  body?: URLSearchParams | Record<string, string> | undefined
}

function toHeaders(input: ClientContextInput['headers']): Headers {
  if (input instanceof Headers) return input
  const headers = new Headers()
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value) headers.append(name, item)
    else headers.set(name, value)
  }
  return headers
}

/** Builds a `ClientContext` from plain values (what the framework adapters call). */
export function createClientContext(input: ClientContextInput): ClientContext {
  const url = typeof input.url === 'string' ? new URL(input.url, 'http://localhost') : input.url
  return {
    method: (input.method ?? 'GET').toUpperCase(),
    url,
    headers: toHeaders(input.headers),
    https: input.https ?? url.protocol === 'https:',
    body: input.body === undefined ? undefined : input.body instanceof URLSearchParams ? input.body : new URLSearchParams(input.body),
    cookies: [],
  }
}

/** What `authorizeRedirect` and `logout` answer: a 303 so the browser follows with GET (RFC 9700 §4.12). */
export interface ClientRedirect {
  status: 303
  location: string
}

export function redirectTo(location: string): ClientRedirect {
  return { status: 303, location }
}
