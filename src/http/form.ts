import { OAuthError } from '../errors.js'
import { MAX_PARAMETER_LENGTH, MAX_PARAMETERS, type OAuthRequest } from './types.js'

/**
 * Request parameters as received, keeping repeats so that steps can refuse them: RFC 6749 §3.1 and
 * §3.2 say parameters "MUST NOT be included more than once".
 */
export class Parameters {
  readonly #values: Map<string, string[]>

  constructor(entries: Iterable<[string, string]>) {
    this.#values = new Map()
    let count = 0
    for (const [name, value] of entries) {
      // Catalogue RL-05: bounded work per request, whatever the body or query limit lets through.
      if (++count > MAX_PARAMETERS) throw new OAuthError('invalid_request', 'Too many parameters')
      if (value.length > MAX_PARAMETER_LENGTH || name.length > MAX_PARAMETER_LENGTH) throw new OAuthError('invalid_request', `Parameter ${name.slice(0, 64)} is too long`)
      const list = this.#values.get(name)
      if (list) list.push(value)
      else this.#values.set(name, [value])
    }
  }

  /** The single value of `name`; `undefined` when absent or empty (RFC 6749 §3.1: empty = omitted). */
  get(name: string): string | undefined {
    const list = this.#values.get(name)
    if (!list) return undefined
    if (list.length > 1) throw new OAuthError('invalid_request', `Parameter ${name} was repeated`)
    return list[0] === '' ? undefined : list[0]
  }

  /** Like `get`, but an absent parameter is an `invalid_request`. */
  require(name: string): string {
    const value = this.get(name)
    if (value === undefined) throw new OAuthError('invalid_request', `Missing parameter ${name}`)
    return value
  }

  has(name: string): boolean {
    return this.#values.has(name)
  }

  /** Every value of `name`, for the parameters a spec lets repeat (RFC 8707 §2: `resource`). */
  all(name: string): string[] {
    return [...(this.#values.get(name) ?? [])]
  }

  /** Names given more than once, apart from those in `allowed`. */
  repeated(allowed: readonly string[] = []): string[] {
    return [...this.#values].filter(([name, list]) => list.length > 1 && !allowed.includes(name)).map(([name]) => name)
  }

  /** Parameters with a single value, for serializing a validated request. */
  toRecord(): Record<string, string> {
    const record: Record<string, string> = {}
    for (const [name, list] of this.#values) if (list.length === 1 && list[0] !== undefined) record[name] = list[0]
    return record
  }
}

export function queryParameters(url: URL): Parameters {
  return new Parameters(url.searchParams)
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Parses an `application/x-www-form-urlencoded` body (RFC 6749 Appendix B). Any other content type is an
 * `invalid_request`, as is a body that is not UTF-8.
 */
export function formParameters(request: OAuthRequest): Parameters {
  const contentType = request.headers.get('content-type')
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase()
  if (mediaType !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'Content-Type must be application/x-www-form-urlencoded')
  }
  let text: string
  try {
    text = request.body ? decoder.decode(request.body) : ''
  } catch {
    throw new OAuthError('invalid_request', 'The request body is not valid UTF-8')
  }
  return new Parameters(formEntries(text))
}

const NEEDS_DECODING = /[%+]/

/**
 * The WHATWG application/x-www-form-urlencoded parser's result. A body without `%` or `+` has nothing to
 * decode, and splitting it on `&` and the first `=` is that parser exactly, at a fraction of the cost
 * for a long value such as a JWT; anything else goes through `URLSearchParams`.
 *
 * @see https://url.spec.whatwg.org/#urlencoded-parsing
 */
export function formEntries(text: string): Iterable<[string, string]> {
  if (NEEDS_DECODING.test(text)) return new URLSearchParams(text)
  const entries: [string, string][] = []
  for (const sequence of text.split('&')) {
    if (sequence === '') continue
    const equals = sequence.indexOf('=')
    entries.push(equals === -1 ? [sequence, ''] : [sequence.slice(0, equals), sequence.slice(equals + 1)])
  }
  return entries
}

/** True for a request whose body is a form (used where a form body is optional, e.g. userinfo). */
export function hasFormBody(request: OAuthRequest): boolean {
  const contentType = request.headers.get('content-type')
  return contentType?.split(';', 1)[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'
}
