/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1): its scheme and its auth-params. */
export interface AuthenticationChallenge {
  /** Lower-cased: schemes are case-insensitive (RFC 9110 §11.1). */
  scheme: string
  /** Parameter names lower-cased; quoted-string values unescaped. A repeated name keeps the first value. */
  parameters: Record<string, string>
}

/** What an RFC 6750 §3 bearer challenge tells a client, with RFC 9728 §5.1's `resource_metadata`. */
export interface BearerChallenge {
  error?: string
  errorDescription?: string
  /** RFC 6750 §3: space-delimited scopes the resource needs. */
  scope?: string
  /** RFC 9728 §5.1: where the resource's protected-resource metadata is. */
  resourceMetadata?: string
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/

/**
 * Parses a `WWW-Authenticate` value into its challenges (RFC 9110 §11.6.1: `#challenge`, each
 * `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`). Malformed input ends the parse; what was read so far
 * is returned, so a broken header never throws.
 *
 * @example parseChallenges('Bearer error="insufficient_scope", scope="a b"') // [{ scheme: 'bearer', parameters: { error: 'insufficient_scope', scope: 'a b' } }]
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export function parseChallenges(header: string): AuthenticationChallenge[] {
  const challenges: AuthenticationChallenge[] = []
  let rest = header.trim()
  let current: AuthenticationChallenge | undefined
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, '')
    if (rest.length === 0) break
    const name = TOKEN.exec(rest)?.[0]
    if (!name) break
    const after = rest.slice(name.length).replace(/^\s*/, '')
    if (after.startsWith('=') && !after.startsWith('==') && current) {
      // An auth-param of the current challenge.
      const parsed = readValue(after.slice(1).replace(/^\s*/, ''))
      if (!parsed) break
      const key = name.toLowerCase()
      if (!(key in current.parameters)) current.parameters[key] = parsed.value
      rest = parsed.rest
      continue
    }
    // A new challenge: `scheme` followed by params, a token68, or nothing.
    current = { scheme: name.toLowerCase(), parameters: {} }
    challenges.push(current)
    rest = rest.slice(name.length)
    const spaced = rest.replace(/^ +/, '')
    if (spaced !== rest) {
      const token68 = TOKEN68.exec(spaced)?.[0]
      const isParam = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*=[^=]/.test(spaced)
      rest = token68 && !isParam ? spaced.slice(token68.length) : spaced
    }
  }
  return challenges
}

function readValue(input: string): { value: string; rest: string } | undefined {
  if (input.startsWith('"')) {
    let value = ''
    for (let i = 1; i < input.length; i++) {
      const c = input[i]
      if (c === '\\' && i + 1 < input.length) value += input[++i]
      else if (c === '"') return { value, rest: input.slice(i + 1) }
      else value += c
    }
    return undefined
  }
  const token = TOKEN.exec(input)?.[0]
  return token ? { value: token, rest: input.slice(token.length) } : undefined
}

/**
 * The first `Bearer` challenge of a `WWW-Authenticate` value (RFC 6750 §3), or undefined when there is none.
 *
 * @example bearerChallengeOf(response.headers.get('www-authenticate'))?.resourceMetadata
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function bearerChallengeOf(header: string | null | undefined): BearerChallenge | undefined {
  if (!header) return undefined
  const bearer = parseChallenges(header).find((challenge) => challenge.scheme === 'bearer')
  if (!bearer) return undefined
  const { error, error_description: errorDescription, scope, resource_metadata: resourceMetadata } = bearer.parameters
  return {
    ...(error !== undefined ? { error } : {}),
    ...(errorDescription !== undefined ? { errorDescription } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(resourceMetadata !== undefined ? { resourceMetadata } : {}),
  }
}
