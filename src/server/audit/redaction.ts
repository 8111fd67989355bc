import type { LoggerOptions } from 'pino'

// Credentials a log call could carry if a request, a response or a form were ever logged whole.
const SECRET_FIELDS = ['password', 'client_secret', 'access_token', 'refresh_token', 'id_token', 'code_verifier', 'token', 'authorization', 'cookie', 'set-cookie']
const HEADER_PARENTS = ['headers', 'req.headers', 'res.headers', 'request.headers', 'response.headers']
const CENSOR = '[redacted]'
const SECRET_KEYS: ReadonlySet<string> = new Set(SECRET_FIELDS)
/** A key of a pino path: keys that are not identifiers in brackets (`headers["set-cookie"]`; a bare `"set-cookie"` matches nothing). */
const pathKey = (name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `["${name}"]`)

/**
 * Credential fields one level down (`{ form: { password } }`), censored in a copy of the line's object. pino's
 * own wildcard paths (`*.password`) did the same at 15 µs a line, three times the cost of the rest of the
 * line: every audit event of every token request paid it (issue 20). Errors are left to pino's serializer.
 */
function censorNestedCredentials(object: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined
  for (const key of Object.keys(object)) {
    const value = object[key]
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Error) continue
    let censored: Record<string, unknown> | undefined
    for (const field of Object.keys(value)) {
      if (!SECRET_KEYS.has(field)) continue
      censored ??= { ...(value as Record<string, unknown>) }
      censored[field] = CENSOR
    }
    if (censored !== undefined) {
      copy ??= { ...object }
      copy[key] = censored
    }
  }
  return copy ?? object
}

/**
 * pino options for every Tessera logger: authorization and cookie headers of logged requests and responses
 * (pino-http's `req`/`res` and plain `headers`), and credential fields at the top level or one level down,
 * are replaced before the line is written (RFC 6749 §10.3–10.4, RFC 9700 §4.14; catalogue ST-04). The code
 * never logs these; this is the net under it. Spread them into the logger's options; an application with
 * `formatters.log` of its own calls `LOG_OPTIONS.formatters.log` from it.
 *
 * @example const logger = pino({ level: 'info', ...LOG_OPTIONS })
 * @see https://getpino.io/#/docs/redaction
 */
export const LOG_OPTIONS = {
  redact: {
    paths: [
      ...HEADER_PARENTS.flatMap((parent) => ['authorization', 'cookie', 'set-cookie', 'proxy-authorization'].map((header) => parent + pathKey(header))),
      ...SECRET_FIELDS.map((field) => pathKey(field).replace(/^\./, '')),
    ],
    censor: CENSOR,
  },
  formatters: {
    /** Censors credential fields one level down (`{ form: { password } }`) in a copy of the line's object. */
    log: censorNestedCredentials,
  },
} satisfies Pick<LoggerOptions, 'redact' | 'formatters'>
