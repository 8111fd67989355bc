import type { Parameters } from '../../http/form.js'

/** The parameters of an RFC 7662 §2.1 introspection request. */
export interface IntrospectionRequest {
  token: string
  /**
   * `access_token` or `refresh_token` (the RFC 7009 §4.1.2 registry), or another registered type. Only a
   * hint: a server that does not find the token under it searches every type it supports (§2.1).
   */
  tokenTypeHint?: string | undefined
}

/** A repeated hint is no usable hint: ignored like an unknown one, not refused (§2.1 makes it advisory). */
function hintOf(params: Parameters): string | undefined {
  try {
    return params.get('token_type_hint')
  } catch {
    return undefined
  }
}

/**
 * Reads an introspection request's form parameters: `token` is required (`invalid_request` without it,
 * or repeated), `token_type_hint` optional and free-form (an unknown hint is ignored, as §2.1 has the
 * server search every type anyway).
 *
 * @example
 * ```ts
 * const { token } = readIntrospectionRequest(formParameters(request))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 */
export function readIntrospectionRequest(params: Parameters): IntrospectionRequest {
  return { token: params.require('token'), tokenTypeHint: hintOf(params) }
}

/**
 * The `application/x-www-form-urlencoded` body of an introspection request (§2.1).
 *
 * @example
 * ```ts
 * fetch(endpoint, { method: 'POST', body: introspectionRequestBody({ token, tokenTypeHint: 'access_token' }), headers })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
 */
export function introspectionRequestBody(request: IntrospectionRequest): string {
  const body = new URLSearchParams({ token: request.token })
  if (request.tokenTypeHint !== undefined) body.set('token_type_hint', request.tokenTypeHint)
  return body.toString()
}
