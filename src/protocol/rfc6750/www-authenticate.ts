/** One challenge of a `WWW-Authenticate` header: its scheme and its auth-params (names lower-cased). */
export interface AuthChallenge {
  /** The auth-scheme as sent (`Bearer`); compare it case-insensitively (RFC 9110 §11.1). */
  scheme: string
  params: Record<string, string>
  /** A token68 credential instead of parameters (RFC 9110 §11.2), rare in challenges. */
  token68?: string
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/
const TOKEN68 = /^[A-Za-z0-9._~+/-]+=*/

/**
 * The challenges of a `WWW-Authenticate` value, in order (RFC 9110 §11.6.1: `challenge *( "," challenge )`,
 * each `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`, parameter values a token or a quoted-string).
 * Parsing stops at the first malformed part and keeps what came before it, as a client would.
 *
 * @example
 * ```ts
 * parseWwwAuthenticate('Bearer realm="api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"')
 * // [{ scheme: 'Bearer', params: { realm: 'api', resource_metadata: 'https://…' } }]
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = []
  let rest = header
  const skip = (pattern: RegExp): void => {
    rest = rest.replace(pattern, '')
  }
  skip(/^[\s,]+/)
  while (rest.length > 0) {
    const scheme = TOKEN.exec(rest)?.[0]
    if (scheme === undefined) break
    rest = rest.slice(scheme.length)
    const challenge: AuthChallenge = { scheme, params: {} }
    challenges.push(challenge)
    skip(/^[ \t]+/)
    // A token68 ends the challenge (`Basic abc==`); `realm="x"` or `realm=x` goes on after its "=".
    const token68 = TOKEN68.exec(rest)?.[0]
    if (token68 !== undefined && /^[ \t]*(,|$)/.test(rest.slice(token68.length))) {
      challenge.token68 = token68
      rest = rest.slice(token68.length)
      skip(/^[\s,]+/)
      continue
    }
    for (;;) {
      const name = TOKEN.exec(rest)?.[0]
      if (name === undefined) break
      const afterName = rest.slice(name.length).replace(/^[ \t]*/, '')
      // No "=": this token is the next challenge's scheme.
      if (!afterName.startsWith('=')) break
      rest = afterName.slice(1).replace(/^[ \t]*/, '')
      let value: string
      if (rest.startsWith('"')) {
        let index = 1
        value = ''
        while (index < rest.length && rest[index] !== '"') {
          if (rest[index] === '\\' && index + 1 < rest.length) index++
          value += rest[index]
          index++
        }
        if (index >= rest.length) return challenges
        rest = rest.slice(index + 1)
      } else {
        const token = TOKEN.exec(rest)?.[0]
        if (token === undefined) return challenges
        value = token
        rest = rest.slice(token.length)
      }
      const key = name.toLowerCase()
      // RFC 9110 §11.2: each parameter name appears once per challenge; a repeated one is ignored.
      if (!Object.hasOwn(challenge.params, key)) challenge.params[key] = value
      skip(/^[ \t]*/)
      if (!rest.startsWith(',')) break
      skip(/^[\s,]+/)
    }
    skip(/^[\s,]+/)
  }
  return challenges
}

/**
 * The `Bearer` challenge of a `WWW-Authenticate` value (RFC 6750 §3), or undefined when there is none.
 *
 * @example
 * ```ts
 * bearerChallengeOf(response.headers.get('www-authenticate') ?? '')?.params.resource_metadata
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function bearerChallengeOf(header: string): AuthChallenge | undefined {
  return parseWwwAuthenticate(header).find((challenge) => challenge.scheme.toLowerCase() === 'bearer')
}
