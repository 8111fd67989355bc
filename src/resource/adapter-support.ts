/**
 * Conversion helpers shared by the framework middlewares (src/adapters/*-resource.ts). Internal: not
 * part of the `tessera-oidc/resource` entry point. Reading Node bodies and copying Node headers is
 * http/node.ts's (`readBodyStream`, `headersFromRaw`).
 */

/**
 * Whether the token may be in the body: a form body on a method whose body has meaning. The Content-Type
 * is read only for such a method (a lookup the common GET request is spared).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.2
 */
export function mayCarryFormToken(method: string, contentType: () => string | null | undefined): boolean {
  if (method === 'GET' || method === 'HEAD') return false
  return contentType()?.split(';', 1)[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'
}

/**
 * A form body rebuilt from what a framework's body parser produced: raw bytes or text as they are, a
 * parsed object reduced to its `access_token` values (repeats kept, so they can be refused).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.2
 */
export function formBodyFromParsed(body: unknown): Uint8Array | undefined {
  if (body instanceof Uint8Array) return body
  if (typeof body === 'string') return Buffer.from(body)
  if (typeof body !== 'object' || body === null) return undefined
  if (body instanceof URLSearchParams) return Buffer.from(body.toString())
  if (!Object.hasOwn(body, 'access_token')) return new Uint8Array()
  const value = (body as Record<string, unknown>).access_token
  const params = new URLSearchParams()
  // A nested or non-string value is kept as an empty token, which is then refused as malformed.
  for (const item of Array.isArray(value) ? value : [value]) params.append('access_token', typeof item === 'string' ? item : '')
  return Buffer.from(params.toString())
}

/**
 * A form body as the object `express.urlencoded({ extended: false })` would give, repeats as arrays.
 *
 * @see https://url.spec.whatwg.org/#application/x-www-form-urlencoded
 */
export function formObject(body: Uint8Array): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>
  for (const [name, value] of new URLSearchParams(Buffer.from(body).toString('utf8'))) {
    const existing = record[name]
    record[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]
  }
  return record
}
