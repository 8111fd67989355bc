import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { SIGNING_ALGORITHMS } from '../jwt/keys.js'

/*
 * The deployment's configuration file (`tessera-oidc serve --config FILE`, env TESSERA_CONFIG): one JSON document
 * whose shape is the schema below. The schema is the single source: it validates the file (errors name the
 * key and the fix), `npm run schema` writes the published JSON Schema from it, and the configuration
 * reference (docs/configuration.md) is generated from that. No secret belongs in the file: the server
 * secret stays in TESSERA_SECRET, database passwords in the URLs of the environment if you prefer.
 */

const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }

/** Seconds as a positive integer, or a duration such as `15m`, `1h`, `30d`. */
const duration = z
  .union([z.number().int().positive(), z.string().regex(/^\d{1,9}[smhdw]$/, 'must be a duration such as 30m, 1h, 1d or 2w')])
  .transform((value) => (typeof value === 'number' ? value : Number(value.slice(0, -1)) * (DURATION_UNITS[value.slice(-1)] ?? 1)))
  .describe('Seconds, or a duration such as 30m, 1h, 1d or 2w')

const port = z.number().int().min(0).max(65535)

/** RFC 8707 §2: an absolute URI without a fragment. */
const resourceIdentifier = z.string().refine((value) => {
  try {
    const url = new URL(value)
    return url.hash === '' && !value.includes('#')
  } catch {
    return false
  }
}, 'must be an absolute URI without a fragment (RFC 8707 §2), e.g. https://api.example.com')

const scopeName = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope token (RFC 6749 §3.3: printable ASCII, no space, quote or backslash)')

export const CONFIG_FILE_SCHEMA = z.strictObject({
  $schema: z.string().optional().describe('The JSON Schema this file follows, for editors'),
  issuer: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://auth.example.com' }).optional().describe('Issuer identifier (RFC 8414 §2): https unless on loopback. Env TESSERA_ISSUER'),
  server: z.strictObject({
    port: port.optional().describe('Port to listen on (default 4000). Env TESSERA_PORT'),
    host: z.string().min(1).optional().describe('Address to listen on (default 127.0.0.1). Env TESSERA_HOST'),
  }).optional().describe('Where the server listens'),
  database: z.strictObject({
    sqlite: z.string().min(1).optional().describe('SQLite file (default ./data/tessera.db). Env TESSERA_DB'),
    url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional().describe('PostgreSQL instead of SQLite. Env DATABASE_URL'),
    redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional().describe('Redis for short-lived records and shared limits, with `url`. Env REDIS_URL'),
  }).refine((db) => !(db.sqlite && db.url), 'give either sqlite or url, not both')
    .refine((db) => !db.redisUrl || db.url, 'redisUrl needs url (PostgreSQL) too')
    .optional().describe('The store'),
  resources: z.array(z.strictObject({
    identifier: resourceIdentifier.describe('The API\'s resource identifier (RFC 8707): the access tokens\' aud'),
    scopes: z.record(scopeName, z.string().min(1).max(200)).describe('Its scopes, each with the plain words the consent page shows'),
  })).optional().describe('The APIs this server issues tokens for'),
  tokens: z.strictObject({
    format: z.enum(['jwt', 'opaque']).optional().describe('Access token format (default jwt). Env TESSERA_ACCESS_TOKEN_FORMAT'),
    signingAlg: z.enum(SIGNING_ALGORITHMS).optional().describe('Algorithm of JWT access tokens (default ES256)'),
  }).optional().describe('Access tokens'),
  lifetimes: z.strictObject({
    authorizationCode: duration.optional().describe('Default 60 s; at most 10 minutes'),
    accessToken: duration.optional().describe('Default 1h'),
    idToken: duration.optional().describe('Default 1h'),
    refreshToken: duration.optional().describe('Absolute lifetime of a refresh-token family; default 30d'),
    session: duration.optional().describe('Provider login session, absolute; default 14d'),
    sessionIdle: duration.optional().describe('A session unused this long needs a new login; default 1d'),
    interaction: duration.optional().describe('A pending login or consent; default 10m'),
  }).optional().describe('How long things live'),
  limits: z.strictObject({
    login: z.strictObject({
      delayAfter: z.number().int().positive().optional().describe('Failures per account before each further attempt is delayed'),
      lockAfter: z.number().int().positive().optional().describe('Failures per account before a temporary lock'),
      lockSeconds: z.number().int().positive().optional().describe('Length of that lock'),
      perAddress: z.number().int().positive().optional().describe('Failures per client address within windowSeconds, across accounts'),
      windowSeconds: z.number().int().positive().optional().describe('Counting window'),
    }).optional().describe('Login throttling (ASVS 6.3.1)'),
    clients: z.strictObject({
      authFailuresPerClientAddress: z.number().int().positive().optional(),
      authFailuresPerAddress: z.number().int().positive().optional(),
      grantFailuresPerClient: z.number().int().positive().optional(),
      inactiveIntrospectionsPerClient: z.number().int().positive().optional(),
      windowSeconds: z.number().int().positive().optional(),
      requestsPerClient: z.number().int().min(0).optional().describe('Token, introspection and revocation requests per client per requestWindowSeconds; 0 = no cap'),
      requestWindowSeconds: z.number().int().positive().optional(),
    }).optional().describe('Failure limits at the token, introspection and revocation endpoints'),
  }).optional().describe('Abuse limits'),
  proxy: z.strictObject({
    trusted: z.array(z.string().min(1)).optional().describe('Reverse proxies (IPs or CIDR ranges) whose forwarding header names the client. Env TESSERA_TRUSTED_PROXIES'),
    header: z.enum(['x-forwarded-for', 'forwarded']).optional().describe('The header they set (default x-forwarded-for). Env TESSERA_FORWARDED_HEADER'),
  }).optional().describe('Behind a reverse proxy'),
  branding: z.strictObject({
    productName: z.string().min(1).max(80).optional().describe('Name on the sign-in and consent pages (default Tessera)'),
  }).optional(),
  registration: z.strictObject({
    policy: z.enum(['off', 'open', 'token']).optional().describe('Dynamic client registration (RFC 7591): off (default), open, or token. Env TESSERA_REGISTRATION'),
    unusedExpiry: duration.optional().describe('A registered client that gets no token within this is removed (default 30d)'),
  }).optional(),
  clientMetadataDocuments: z.strictObject({
    enabled: z.boolean().optional().describe('Accept https URLs as client_id and fetch their client ID metadata documents (off by default). Env TESSERA_CLIENT_METADATA_DOCUMENTS=1'),
  }).optional().describe('Client ID metadata documents (MCP clients)'),
  profile: z.enum(['fapi2']).optional().describe('fapi2: the FAPI 2.0 Security Profile (PAR, PKCE S256, DPoP, private_key_jwt, PS256/ES256/EdDSA only); settings that contradict it stop the start. Env TESSERA_PROFILE'),
  pushedAuthorizationRequests: z.strictObject({
    required: z.boolean().optional().describe('Every client must push its authorization requests to /par first (RFC 9126 require_pushed_authorization_requests; off by default). Env TESSERA_REQUIRE_PAR=1'),
  }).optional().describe('Pushed authorization requests (RFC 9126), always offered at /par'),
  secondFactors: z.strictObject({
    required: z.boolean().optional().describe('Every user must pass a second factor (TOTP or a recovery code) at every sign-in; one without sets it up right after the password (off by default: per user with tessera-oidc user update --require-mfa, per client with client update --require-mfa). Env TESSERA_REQUIRE_MFA=1'),
  }).optional().describe('Second factors (TOTP, RFC 6238), set up at /account/two-factor'),
  signedRequestObjects: z.strictObject({
    required: z.boolean().optional().describe('Every client must send its authorization requests as signed request objects (RFC 9101 require_signed_request_object; off by default). Env TESSERA_REQUIRE_SIGNED_REQUEST_OBJECT=1'),
  }).optional().describe('JWT-secured authorization requests (RFC 9101), always accepted as request= at /authorize and /par'),
  development: z.strictObject({
    allowLoopbackFetch: z.boolean().optional().describe('Development only: client-supplied URLs may be fetched over http on loopback; refused with an https issuer. Env TESSERA_ALLOW_LOOPBACK_FETCH=1'),
  }).optional().describe('Switches for local development and tests'),
  metrics: z.strictObject({
    enabled: z.boolean().optional().describe('Prometheus metrics at /metrics. Env TESSERA_METRICS=1'),
    port: port.optional().describe('Serve them on a port of their own instead (same host). Env TESSERA_METRICS_PORT'),
  }).optional(),
  audit: z.strictObject({
    retention: duration.optional().describe('How long audit records are kept (default 90d)'),
  }).optional(),
})

/** A validated configuration file, durations in seconds. */
export type ConfigFile = z.output<typeof CONFIG_FILE_SCHEMA>

/** A configuration file that cannot be used; `problems` name each key and what to do. */
export class ConfigFileError extends Error {
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`)
    this.name = 'ConfigFileError'
  }
}

/** Where a key lives, as an operator writes it: `resources[0].identifier`. */
function keyPath(path: readonly PropertyKey[]): string {
  const parts = path.map((part, index) => {
    if (typeof part === 'number') return `[${part}]`
    const name = String(part)
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) return `[${JSON.stringify(name)}]`
    return index === 0 ? name : `.${name}`
  })
  return parts.join('') || '(top level)'
}

const HINTS: Readonly<Record<string, string>> = {
  secret: 'the server secret never goes in the file: set TESSERA_SECRET',
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const where = keyPath([...issue.path, key])
      return `${where}: ${HINTS[key] ?? 'unknown key; see the JSON Schema (tessera.config.schema.json) for the keys there are'}`
    })
  }
  if (issue.code === 'invalid_key') return [`${keyPath(issue.path)}: must be a scope token (RFC 6749 §3.3: printable ASCII, no space, quote or backslash)`]
  return [`${keyPath(issue.path)}: ${issue.message}`]
}

/** Validates a parsed configuration document. */
export function parseConfigFile(document: unknown, file = 'configuration'): ConfigFile {
  const result = CONFIG_FILE_SCHEMA.safeParse(document)
  if (!result.success) throw new ConfigFileError(file, result.error.issues.flatMap(describeIssue))
  return result.data
}

/** Reads and validates `file`; every problem is a `ConfigFileError` naming the key. */
export function loadConfigFile(file: string): ConfigFile {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigFileError(file, [`cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`])
  }
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    throw new ConfigFileError(file, [`is not JSON: ${(error as Error).message}`])
  }
  return parseConfigFile(document, file)
}

/** The published JSON Schema (draft 2020-12) of the file, from the schema above. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(CONFIG_FILE_SCHEMA, { io: 'input', target: 'draft-2020-12' }),
    title: 'Tessera configuration (tessera-oidc serve --config)',
  }
}
