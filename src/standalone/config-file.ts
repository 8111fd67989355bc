import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { SIGNING_ALGORITHMS } from '../jwt/keys.js'
import { ASYMMETRIC_ASSERTION_ALGORITHMS } from '../protocol/rfc7523/client-assertion.js'

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

/** A colour as `#rgb` or `#rrggbb`: nothing else can reach the pages' stylesheet. */
const hexColour = z.string().regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a colour #rgb or #rrggbb, e.g. #0a7d33')

/** A BCP 47 language tag (RFC 5646), e.g. de or pt-BR. */
const languageTag = z.string().regex(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as de or pt-BR')

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
    refreshTokenReuseGrace: z.number().int().min(0).max(60, 'must be at most 60 seconds: a stolen refresh token replayed within the grace wins the same tokens as its client')
      .optional().describe('Seconds after a rotation in which the same client presenting the rotated refresh token again gets the same successor instead of the family being revoked (retries, racing app instances); default 0, off. A thief replaying it within the grace wins the same tokens. Env TESSERA_REFRESH_TOKEN_REUSE_GRACE, flag --refresh-token-reuse-grace'),
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
    productName: z.string().min(1).max(80).optional().describe('Name on every page and in account mail (default Tessera)'),
    logo: z.string().regex(/\.(png|svg|jpe?g|webp|gif)$/i, 'must be a .png, .svg, .jpg, .webp or .gif file').optional().describe('Logo file (relative to this file), served at /theme/logo and shown above every page; at most 512 KiB'),
    logoUrl: z.string().regex(/^(\/(?!\/)[^"'<>\s\\]*|data:image\/(png|jpeg|gif|webp|svg\+xml)(;base64)?,[^"'<>\s\\]+)$/, 'must be a path on this server (/…) or a data:image/ URL').optional().describe('Logo URL instead of a file: a path on this server or a data:image/ URL (the pages load nothing from elsewhere)'),
    primaryColor: hexColour.optional().describe('Colour of buttons and checkmarks, #rgb or #rrggbb; text on buttons turns black or white for contrast'),
    accentColor: hexColour.optional().describe('Colour of links and the focus ring, #rgb or #rrggbb (default primaryColor)'),
    stylesheet: z.string().regex(/\.css$/i, 'must be a .css file').optional().describe('CSS file (relative to this file) served at /theme/style.css and linked after Tessera\'s own stylesheet, under the pages\' CSP nonce'),
    pages: z.string().regex(/\.m?js$/, 'must be a .js or .mjs module').optional().describe('ES module (relative to this file) whose default export replaces some page templates: an object of PageRenderer methods (login, consent, error …), each (view, nonce, env) => HTML; the others stay Tessera\'s. It runs as the server'),
  }).refine((branding) => !(branding.logo && branding.logoUrl), 'give either logo or logoUrl, not both')
    .optional().describe('The look of the pages (README "Look and language")'),
  languages: z.strictObject({
    default: languageTag.optional().describe('Language when neither ui_locales nor Accept-Language names an offered one (default en)'),
    offered: z.array(languageTag).min(1).optional().describe('Languages offered, in ui_locales_supported (default every catalogue: en, de and those below)'),
    catalogues: z.record(languageTag, z.string().regex(/\.json$/i, 'must be a .json file')).optional().describe('Message catalogues by language tag: JSON files (relative to this file) of texts keyed as in src/ui/messages/en.ts; a new language, or some texts of en or de replaced'),
  }).optional().describe('Languages of the pages and account mail: ui_locales, then Accept-Language, else the default'),
  registration: z.strictObject({
    policy: z.enum(['off', 'open', 'token']).optional().describe('Dynamic client registration (RFC 7591): off (default), open, or token. Env TESSERA_REGISTRATION'),
    unusedExpiry: duration.optional().describe('A registered client that gets no token within this is removed (default 30d)'),
  }).optional(),
  adminApi: z.strictObject({
    enabled: z.boolean().optional().describe('Serve the admin HTTP API at /admin/v1 (off by default): clients, users, sessions, consents, keys, the audit trail and registration tokens, for access tokens of this server with admin scopes (README "Admin API"). Env TESSERA_ADMIN_API=1'),
    admins: z.array(z.string().trim().min(1)).optional().describe('Users (ids or usernames) whose own tokens the admin API takes; any other user\'s token is refused (403) whatever its scopes. Client-credentials tokens need no entry. Env TESSERA_ADMIN_USERS comma-separated, flag --admin-user'),
    listen: z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):\d{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:9400').optional().describe('HOST:PORT of a listener of the admin API\'s own (e.g. 127.0.0.1:9400, a private interface): /admin/v1 is served there only, the public port answers 404 for it; turns the admin API on. Env TESSERA_ADMIN_API_LISTEN, flag --admin-api-listen'),
  }).optional().describe('The admin HTTP API and its OpenAPI document at /admin/v1/openapi.json'),
  adminConsole: z.strictObject({
    enabled: z.boolean().optional().describe('Serve the admin console at /admin (off by default; needs adminApi.enabled): the users named in adminApi.admins sign in here and manage clients, users, keys, the audit trail and registration tokens in the browser (README "Admin console"). Env TESSERA_ADMIN_CONSOLE=1'),
    requireMfa: z.boolean().optional().describe('Admins must sign in to the console with a second factor (acr of the two-factor level); off by default'),
  }).optional().describe('The admin console in the browser, built on the admin API'),
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
  deviceFlow: z.strictObject({
    codeLifetime: duration.optional().describe('How long a device code and its user code work (RFC 8628 expires_in; default 10m, from 1m to 15m)'),
    interval: z.number().int().min(1).max(60).optional().describe('Seconds a device waits between polls of the token endpoint (RFC 8628 interval; default 5); each too-early poll adds 5 for that device'),
    userCodeFailures: z.number().int().min(1).max(1000).optional().describe('Wrong user codes at /device per client address (IPv6 by /64) and per user within 15 minutes before the page answers 429 (default 10)'),
  }).optional().describe('Device authorization grant (RFC 8628), always offered at /device_authorization with the verification page at /device'),
  passkeys: z.strictObject({
    enabled: z.boolean().optional().describe('Offer passkeys: "Sign in with a passkey" on the login page, a passkey as the second step, and /account/passkeys to add them (off by default). Env TESSERA_PASSKEYS=1'),
    rpId: z.string().regex(/^[a-z0-9.-]{1,253}$/, 'must be a lowercase host name').optional().describe('WebAuthn relying party id (default the issuer\'s host): a parent domain of it, e.g. example.com for an issuer at login.example.com, lets passkeys work across its subdomains'),
    userVerification: z.enum(['required', 'preferred']).optional().describe('required (default): registering a passkey and using it as a second factor need the PIN or biometric; preferred also accepts a key that only tests presence. Signing in without a password always requires it'),
  }).optional().describe('Passkeys (WebAuthn); the expected origin is the issuer\'s'),
  signedRequestObjects: z.strictObject({
    required: z.boolean().optional().describe('Every client must send its authorization requests as signed request objects (RFC 9101 require_signed_request_object; off by default). Env TESSERA_REQUIRE_SIGNED_REQUEST_OBJECT=1'),
  }).optional().describe('JWT-secured authorization requests (RFC 9101), always accepted as request= at /authorize and /par'),
  mail: z.strictObject({
    url: z.string().regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL').describe('SMTP server for account mail (password reset, address verification): smtp://user:pass@host:587 or smtps://host:465. Env TESSERA_MAIL_URL'),
    from: z.string().min(3).describe('The From of every message, e.g. "Tessera <no-reply@example.com>". Env TESSERA_MAIL_FROM'),
  }).optional().describe('Outgoing mail (nodemailer, an optional peer: npm install nodemailer@10); without it there is no password reset, e-mail change or self-registration'),
  account: z.strictObject({
    registration: z.boolean().optional().describe('Anyone may create an account at /account/register, confirmed by a mailed link (off by default; needs mail). Env TESSERA_SELF_REGISTRATION=1'),
    resetLinkLifetime: duration.optional().describe('How long a password-reset link works (default 30m, at most 1h)'),
    verificationLinkLifetime: duration.optional().describe('How long an address-confirmation link works (default 1d, at most 7d)'),
  }).optional().describe('The account page (/account) and account mail'),
  dpop: z.strictObject({
    required: z.boolean().optional().describe('Every token request must carry a DPoP proof, so every access token is sender-constrained (RFC 9449; off by default, on under profile fapi2). Env TESSERA_REQUIRE_DPOP=1'),
    nonces: z.boolean().optional().describe('DPoP proofs at the token endpoint must carry a nonce the server supplied (RFC 9449 §8 DPoP-Nonce; off by default). Env TESSERA_DPOP_NONCES=1'),
  }).optional().describe('DPoP (RFC 9449) at the token endpoint, always accepted'),
  jwtBearer: z.strictObject({
    issuers: z.array(z.strictObject({
      issuer: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).describe('The trusted issuer: its assertions\' iss, compared exactly'),
      jwksUri: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional().describe('Where its public keys are fetched (through the SSRF guard, cached)'),
      jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())).min(1).describe('Public JWKs (RFC 7517), no private members') }).optional().describe('Its public keys inline, instead of jwksUri'),
      algorithms: z.array(z.enum(ASYMMETRIC_ASSERTION_ALGORITHMS)).min(1).optional().describe('Signature algorithms accepted from it (default PS256, ES256, EdDSA, RS256)'),
      clients: z.union([z.literal('any'), z.array(z.string().min(1)).min(1)]).describe('Client ids that may present its assertions, or "any" client registered for the grant'),
      subject: z.strictObject({
        claim: z.string().min(1).optional().describe('The claim naming the user (default sub)'),
        match: z.enum(['id', 'username']).optional().describe('id (default): the claim is the local user id; username: the local username'),
      }).optional().describe('How its subject maps to a local user'),
      idJagOnly: z.boolean().optional().describe('Accept only ID-JAGs (typ oauth-id-jag+jwt) from it'),
      maxLifetime: duration.optional().describe('Longest assertion lifetime accepted (default 5m, at most 1h)'),
    }).refine((issuer) => (issuer.jwks === undefined) !== (issuer.jwksUri === undefined), 'give either jwks or jwksUri')).describe('The issuers trusted to assert users'),
  }).optional().describe('JWT-bearer authorization grant (RFC 7523 §2.1) and ID-JAGs: assertions of trusted issuers exchanged for access tokens; clients need grant_type urn:ietf:params:oauth:grant-type:jwt-bearer (tessera-oidc client create --grant jwt-bearer)'),
  tokenExchange: z.strictObject({
    clients: z.record(z.string().min(1), z.strictObject({
      resources: z.array(resourceIdentifier).optional().describe('The client\'s own resource identifiers: access tokens addressed to them are its to exchange'),
      subject_token_types: z.array(z.enum(['access_token', 'id_token', 'jwt'])).optional().describe('Subject token types it may present (default access_token; jwt: the jwtBearer trusted issuers\' JWTs)'),
      audiences: z.array(z.string().min(1)).optional().describe('Targets (resource or audience) it may ask for beyond the subject token\'s own audience'),
      scopes: z.array(scopeName).optional().describe('The most an exchanged token may carry (always within the subject token\'s scope)'),
      delegation: z.boolean().optional().describe('It may present an actor_token: the token it gets names it in act (RFC 8693 §4.1)'),
      impersonation: z.boolean().optional().describe('It may get a token for another audience without an actor token'),
      id_jag: z.array(z.strictObject({
        audience: z.url({ protocol: /^https?$/ }).describe('The resource authorization server\'s issuer: the ID-JAG\'s aud'),
        client_id: z.string().min(1).describe('The client\'s id at that server: the ID-JAG\'s client_id'),
        scopes: z.array(scopeName).optional().describe('Scopes at that server the ID-JAG may carry (default none)'),
        resources: z.array(resourceIdentifier).optional().describe('Resources at that server it may name (default any)'),
      })).optional().describe('Authorization servers it may get ID-JAGs for (MCP cross-app access)'),
    })).optional().describe('Token exchange policy by client id; without one a client may only narrow its own tokens (same audience, no wider scope). Also settable with tessera-oidc client update --token-exchange-policy'),
    idJagLifetime: duration.optional().describe('Lifetime of issued ID-JAGs (default and at most 5m)'),
  }).optional().describe('Token exchange (RFC 8693) and ID-JAG issuance: clients need grant_type urn:ietf:params:oauth:grant-type:token-exchange (tessera-oidc client create --grant token-exchange); subject tokens of type jwt come from the jwtBearer trusted issuers'),
  federation: z.strictObject({
    upstreams: z.array(z.strictObject({
      id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ -').describe('Name in /federation/<id>/callback (the redirect URI to register at the upstream), in idp_hint and in client allow-lists'),
      label: z.string().min(1).max(60).optional().describe('The button says "Continue with <label>" (default the preset\'s name or the id)'),
      issuer: z.url({ protocol: /^https?$/ }).optional().describe('OpenID Connect issuer, found by discovery; with a preset, overrides its issuer'),
      preset: z.enum(['google', 'github', 'microsoft', 'gitlab', 'apple', 'discord', 'okta', 'auth0', 'keycloak', 'tessera']).optional().describe('A tessera-oidc/client preset'),
      tenant: z.string().optional().describe('microsoft: the directory (tenant) id'),
      domain: z.string().optional().describe('okta, auth0, keycloak, self-managed gitlab: the host'),
      realm: z.string().optional().describe('keycloak: the realm'),
      clientId: z.string().min(1).describe('Tessera\'s client id at the upstream'),
      clientSecretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional().describe('The environment variable holding the client secret (secrets never go in the file)'),
      scopes: z.array(scopeName).optional().describe('Default openid email profile (github: read:user user:email)'),
      claims: z.record(z.enum(['username', 'name', 'given_name', 'family_name', 'email', 'picture']), z.string().min(1).nullable()).optional().describe('Which upstream claim sets which local attribute of a provisioned account (null: none); email only when email_verified is true'),
      trustUpstreamAmr: z.boolean().optional().describe('Default false (amr is fed: one factor). True: the upstream\'s amr mfa/otp/hwk/swk (and mfaAcrValues) count as a second factor and can meet the MFA policy; only for an upstream trusted to enforce its own second factor'),
      mfaAcrValues: z.array(z.string().min(1)).optional().describe('With trustUpstreamAmr: acr values of this upstream that mean two factors'),
    })).describe('Upstream identity providers shown as "Continue with …" on the login page'),
    provisioning: z.boolean().optional().describe('Create a local account at the first sign-in with an upstream identity (default true); off: only identities a signed-in user linked'),
    linkMaxAge: duration.optional().describe('Linking an upstream identity needs a sign-in this recent (default 5m)'),
  }).optional().describe('Federated login: upstream identity providers (Google, GitHub, any OpenID Connect issuer)'),
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
