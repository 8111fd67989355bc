import type { LoggerOptions } from 'pino'

// Credentials a log call could carry if a request, a response or a form were ever logged whole.
const SECRET_FIELDS = ['password', 'client_secret', 'access_token', 'refresh_token', 'id_token', 'code_verifier', 'token', 'authorization', 'cookie', '"set-cookie"']
const HEADER_PARENTS = ['headers', 'req.headers', 'res.headers', 'request.headers', 'response.headers']

/**
 * pino `redact` settings for every Tessera logger: authorization and cookie headers of logged
 * requests and responses (pino-http's `req`/`res` and plain `headers`), and credential fields at the top
 * level or one level down, are replaced before the line is written (RFC 6749 §10.3–10.4, RFC 9700
 * §4.14; catalogue ST-04). The code never logs these; this is the net under it.
 *
 * @example const logger = pino({ level: 'info', redact: LOG_REDACTION })
 * @see https://getpino.io/#/docs/redaction
 */
export const LOG_REDACTION: NonNullable<LoggerOptions['redact']> = {
  paths: [
    ...HEADER_PARENTS.flatMap((parent) => ['authorization', 'cookie', '"set-cookie"', '"proxy-authorization"'].map((header) => `${parent}.${header}`)),
    ...SECRET_FIELDS,
    ...SECRET_FIELDS.map((field) => `*.${field}`),
  ],
  censor: '[redacted]',
}
