import { readFileSync } from 'node:fs'

// Usage texts are printed before any store is opened, so `--help` works on a machine without a database,
// and before the server's modules load, so it answers at once.

const STORE = `Store (every command):
  --db PATH               SQLite file (default ./data/tessera.db, env TESSERA_DB)
  --database-url URL      PostgreSQL instead (env DATABASE_URL)
  --redis-url URL         Redis for short-lived records, with --database-url (env REDIS_URL)
  An explicit --db wins over DATABASE_URL/REDIS_URL in the environment.`

/** The usage text of `command`, or undefined for an unknown command. */
export async function commandUsage(command: string): Promise<string | undefined> {
  if (command !== 'client') return COMMAND_USAGE[command]
  // The grant types and authentication methods are those of the server's capabilities.
  const { cliRegistry } = await import('./capabilities.js')
  return clientUsage(cliRegistry.grantTypes.join('|'), [...cliRegistry.authMethods.keys()].join('|'))
}

const clientUsage = (grants: string, authMethods: string): string => `usage: tessera-oidc client <action> [options]

  create --name NAME [--redirect-uri URI...] [--post-logout-redirect-uri URI...]
         [--grant ${grants}...] [--scope "a b"]
         [--auth-method ${authMethods}] [--id-token-alg RS256|ES256]
         [--jwks FILE | --jwks-uri URL] [--auth-signing-alg ALG]
         [--require-par] [--dpop-bound] [--require-signed-request-object] [--request-object-alg ALG]
         [--profile fapi2] [--require-mfa] [--skip-consent] [--upstream ID...|all|none]
         [--token-exchange-policy JSON] [--backchannel-logout-uri URL]
         [--backchannel-logout-session-required] [--json]
         prints the client id and, for clients with a secret, the secret (shown only then);
         private_key_jwt clients need --jwks (public keys) or --jwks-uri;
         --grant jwt-bearer stands for urn:ietf:params:oauth:grant-type:jwt-bearer;
         --grant device_code for urn:ietf:params:oauth:grant-type:device_code (no redirect URI needed);
         --grant token-exchange for urn:ietf:params:oauth:grant-type:token-exchange;
         --profile fapi2: this client under the FAPI 2.0 Security Profile (private_key_jwt with
         PS256/ES256/EdDSA, PAR, DPoP, ES256 ID tokens, codes of at most 60 s) whatever the server's profile
  list [--json]
  update --id CLIENT_ID [--name N] [--redirect-uri URI...] [--post-logout-redirect-uri URI...]
         [--grant TYPE...] [--scope "a b"] [--id-token-alg RS256|ES256] [--skip-consent]
         [--auth-method METHOD] [--jwks FILE | --jwks-uri URL] [--auth-signing-alg ALG]
         [--require-par|--no-require-par] [--dpop-bound|--no-dpop-bound] [--require-mfa|--no-require-mfa]
         [--require-signed-request-object|--no-require-signed-request-object] [--request-object-alg ALG|""]
         [--upstream ID...|all|none] [--token-exchange-policy JSON|none] [--backchannel-logout-uri URL|""]
         [--backchannel-logout-session-required|--no-backchannel-logout-session-required] [--json]
         --token-exchange-policy: what it may do with token exchange (RFC 8693), e.g.
         '{"resources":[MY_API],"audiences":[API],"scopes":["a"],"delegation":true}'; none removes it
         --backchannel-logout-uri: where the running server POSTs OpenID back-channel logout tokens ("" removes it)
         --upstream: which upstream identity providers (federation) its login page offers; default all
  rotate-secret --id CLIENT_ID [--json]
  disable --id CLIENT_ID [--json]
         the client can no longer sign in users or get tokens, its tokens stop working,
         and its registration access token cannot enable it again
  enable --id CLIENT_ID [--json]
  delete --id CLIENT_ID [--json]

Pass an id that may start with "-" as --id=ID.

${STORE}`

const COMMAND_USAGE: Readonly<Record<string, string>> = {
  serve: `usage: tessera-oidc serve [options]

Runs the authorization server until Ctrl-C: for the APIs of the configuration file and of
tessera-oidc resource create, or with --demo for the demo notes API.

  --config FILE                a configuration file (env TESSERA_CONFIG; see tessera-oidc config --help); flags
                               and environment variables override it
  --demo                       the demo notes API at /api, its MCP resource, and a demo user and client on
                               an empty database (npm start passes it)
  --port N                     port (default 4000, env TESSERA_PORT; 0 picks a free one)
  --host ADDRESS               address to listen on (default 127.0.0.1, env TESSERA_HOST)
  --issuer URL                 issuer identifier (default http://localhost:PORT, env TESSERA_ISSUER);
                               https unless on loopback
  --access-token-format F      jwt (default) or opaque (env TESSERA_ACCESS_TOKEN_FORMAT)
  --trusted-proxy CIDR...      reverse proxies whose forwarding header names the client (repeatable,
                               env TESSERA_TRUSTED_PROXIES comma-separated)
  --forwarded-header NAME      x-forwarded-for (default) or forwarded (env TESSERA_FORWARDED_HEADER)
  --no-seed                    do not create the demo user and client on an empty database
  --registration POLICY        dynamic client registration (RFC 7591/7592) at /register: off (default),
                               open (anyone) or token (an initial access token from
                               tessera-oidc registration token create) (env TESSERA_REGISTRATION)
  --registration-unused-expiry D
                               a registered client that gets no token within D is removed
                               (default 30d; s, m, h, d, w) (env TESSERA_REGISTRATION_UNUSED_EXPIRY)
  --metrics                    Prometheus metrics at /metrics on the server's port (env TESSERA_METRICS=1)
  --metrics-port N             the metrics on a port of their own instead, same host (env TESSERA_METRICS_PORT)
  --client-metadata-documents  accept https URLs as client_id: the client ID metadata document there is
                               fetched (SSRF-guarded, at most 5 KiB, cached 5 min to 24 h) and the client
                               is public and unverified, never stored (env TESSERA_CLIENT_METADATA_DOCUMENTS=1)
  --allow-loopback-fetch       development only: client-supplied URLs may be fetched over http on
                               loopback (documents served on this machine); refused with an https
                               issuer (env TESSERA_ALLOW_LOOPBACK_FETCH=1)
  --require-par                every client must push its authorization requests to /par first
                               (RFC 9126; PAR itself is always offered) (env TESSERA_REQUIRE_PAR=1)
  --profile fapi2              the FAPI 2.0 Security Profile: PAR, PKCE S256, DPoP-bound tokens,
                               private_key_jwt, PS256/ES256/EdDSA only; a contradicting setting stops
                               the start (env TESSERA_PROFILE)
  --require-signed-request-object
                               every client must send its authorization requests as signed request
                               objects (RFC 9101 request=; always accepted) (env
                               TESSERA_REQUIRE_SIGNED_REQUEST_OBJECT=1)
  --require-dpop               every token request must carry a DPoP proof: every access token is
                               sender-constrained (RFC 9449; on under --profile fapi2) (env TESSERA_REQUIRE_DPOP=1)
  --dpop-nonces                DPoP proofs at the token endpoint must carry a nonce the server supplied
                               (RFC 9449 §8, DPoP-Nonce) (env TESSERA_DPOP_NONCES=1)
  --admin-api                  serve the admin HTTP API at /admin/v1 for access tokens of this server
                               with admin scopes (README "Admin API") (env TESSERA_ADMIN_API=1)
  --admin-user NAME...         a user (username or id) whose own tokens the admin API takes; other users'
                               are refused (repeatable, env TESSERA_ADMIN_USERS comma-separated)
  --admin-api-listen HOST:PORT the admin API on a listener of its own (e.g. 127.0.0.1:9400, a private
                               interface) and not on the public port; turns it on (env TESSERA_ADMIN_API_LISTEN)
  --admin-console              serve the admin console at /admin for the --admin-user users, signed in
                               here; needs --admin-api (README "Admin console") (env TESSERA_ADMIN_CONSOLE=1)
  --refresh-token-reuse-grace N
                               for N seconds (0 = off, the default; at most 60) after a rotation, the same
                               client presenting the rotated refresh token again gets the same successor
                               instead of the family being revoked; a thief replaying it within N wins the
                               same tokens (env TESSERA_REFRESH_TOKEN_REUSE_GRACE)

Environment: TESSERA_SECRET (at least 32 characters; required with --database-url), TESSERA_LOG_LEVEL,
TESSERA_MCP_RESOURCE (with --demo: the MCP example's resource, scope mcp:tools; default http://localhost:MCP_PORT/mcp
with MCP_PORT 3001).

${STORE}`,
  user: `usage: tessera-oidc user <action> [options]

  create --username U [--password-stdin | --password P] [--name N] [--email E] [--json]
  update --id SUB | --username U [--password-stdin | --password P] [--name N] [--email E]
         [--require-mfa | --no-require-mfa] [--disable | --enable] [--json]
  list [--json]
  delete --id SUB | --username U [--json]
  sessions --id SUB | --username U [--json]          the user's sessions at the provider (sid, sign-in time, end)
  sessions revoke --id SUB | --username U (--session SID | --all) [--json]
                                                     sign them out (tokens granted to apps stay: revoke consents for those)
  mfa reset --id SUB | --username U [--json]         remove the user's second factor (audited)
  mfa status --id SUB | --username U [--json]        whether one is set up and whether it is required

--require-mfa: the user must pass a second factor at every sign-in; one without is taken to set it up
right after the password, and refresh tokens of earlier password-only sign-ins stop working.

--disable: the user signs in nowhere and gets no token until --enable; their sessions end and their
grants (refresh tokens) are revoked at once, and stay revoked after --enable.

Without a password option, create and update ask for it on a terminal. --password-stdin reads it from
standard input (printf '%s' "$PASSWORD" | tessera-oidc user create --username alice --password-stdin); --password
leaves it in the shell history.

${STORE}`,
  keys: `usage: tessera-oidc keys <action> [options]

  list [--json]      signing keys, active and retired
  rotate [--json]    a new active key per algorithm; old keys stay in the JWKS for a day.
                     Running servers pick the rotation up within seconds, without restart.

${STORE}`,
  config: `usage: tessera-oidc config <action>

  check FILE [--json]   validates a configuration file (tessera-oidc serve --config FILE, env TESSERA_CONFIG):
                        every problem with its key and what to write instead; exit 2 on any
  schema                prints the file's JSON Schema (for editors: "$schema" in the file)

Precedence when serving: command-line flags, then environment variables, then the file, then defaults.
The server secret never goes in the file: TESSERA_SECRET.`,
  secret: `usage: tessera-oidc secret rotate [--json]

Changes the server secret (TESSERA_SECRET), which seals the signing keys and keys session MACs:
  1. set TESSERA_SECRET=NEW,OLD (newest first; servers started so accept both)
  2. tessera-oidc secret rotate: new signing keys sealed under NEW replace the active ones (old public keys
     stay in the JWKS for a day, so tokens they signed still verify)
  3. once the login sessions started before the change have ended, set TESSERA_SECRET=NEW

${STORE}`,
  migrate: `usage: tessera-oidc migrate [--json]

Brings the database schema up to date, then exits (tessera-oidc serve does it on start too).

${STORE}`,
  registration: `usage: tessera-oidc registration token create [--expires 1d] [--json]

Creates an initial access token for a server run with --registration token (RFC 7591 §3): shown once,
stored as SHA-256, good for one registration until it expires (default 1d; s, m, h, d, w). The client sends
it as Authorization: Bearer TOKEN on POST /register.

${STORE}`,
  doctor: `usage: tessera-oidc doctor <url> [options]

Checks a deployment the way clients use it and prints a report with a fix for every failure. <url> is
an authorization server's issuer, or an MCP server (protected resource) URL: then its RFC 9728 metadata
and each of its authorization servers are checked.

  --json                       the report as JSON ({target, kind, ok, summary, checks: [{id, status,
                               subject, message, fix, spec}]})
  --no-write                   do not register (and delete) a throwaway client at registration_endpoint
  --registration-token TOKEN   initial access token for a registration endpoint that requires one
  --client-metadata-url URL    a client ID metadata document to try at the authorization endpoint
  --timeout MS                 per request (default 5000)

Checks: as.metadata, as.openid-configuration, as.issuer, as.issuer-identifier, as.endpoints-https,
as.response-types, as.pkce-s256, as.iss-parameter, as.client-onboarding, as.jwks, as.jwks-key, as.jwks-kid,
as.registration, as.registration-delete, as.client-id-metadata-document; rs.challenge, rs.www-authenticate,
rs.resource-metadata-param, rs.metadata, rs.metadata-members, rs.resource, rs.authorization-servers,
rs.scopes-supported, rs.bearer-methods, rs.audience.

Redirects are reported, never followed. Exit code 0 when nothing failed, 1 when a check failed, 2 on a
usage error. Opens no store.`,
  resource: `usage: tessera-oidc resource <action> [options]

  create --identifier URI --scope SCOPE... [--json]
  list [--json]
  delete IDENTIFIER

An API the server issues tokens for, next to those built in: URI is its resource identifier (RFC 8707 §2:
absolute, no fragment), the access tokens' aud. --scope is repeatable; each is NAME or NAME=description (the
consent page's words). create prints the resource's introspection credentials (client_id, client_secret)
once: the API authenticates with them at the introspection endpoint and learns about the tokens issued
for it, never others; they get no token. A running server sees a new or deleted resource at once.

${STORE}`,
  audit: `usage: tessera-oidc audit [options]

  --since 1h|ISO          from (default: everything kept)
  --until 1h|ISO          until
  --type TYPE...          exact type or family (login, token, client…), repeatable
  --user U                user id or username
  --client ID
  --limit N               newest N records (default 50, at most 10000)
  --json

${STORE}`,
}

export const USAGE = `usage: tessera-oidc <command> [options]

Commands:
  serve     run the authorization server
  client    create, list, update, rotate-secret, disable, enable, delete clients
  user      create, list, update, delete users
  keys      list or rotate signing keys
  secret    rotate the server secret (TESSERA_SECRET)
  config    check a configuration file, print its JSON Schema
  migrate   bring the database schema up to date
  audit     read the audit trail
  registration  create initial access tokens for dynamic client registration
  doctor    check an authorization server or MCP server as clients use it
  resource  APIs (RFC 8707 resources) and their introspection credentials
  help      tessera-oidc help <command>: that command's options

  tessera-oidc <command> --help   the same
  tessera-oidc --version          the installed version
`

/** The package's version, from its package.json (two folders up from both src/cli and dist/cli). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
  return typeof manifest.version === 'string' ? manifest.version : 'unknown'
}

/** Whether the arguments ask for help: `--help` or `-h` anywhere before a `--` terminator. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h')
}
