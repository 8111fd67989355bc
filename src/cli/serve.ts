import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { createClient, createUser } from '../server/admin.js'
import { randomToken } from '../crypto/random.js'
import { importOptional, OPTIONAL_MODULES } from '../crypto/optional-module.js'
import { LOG_OPTIONS } from '../server/audit/redaction.js'
import { parseTrustedProxies } from '../http/client-address.js'
import { openRedisCounterStore } from '../storage/redis-counters.js'
import { openPostgresNoteStore, openSqliteNoteStore } from '../standalone/notes/sql.js'
import { demoMcpResource, demoResource, startStandaloneServer } from '../standalone/server.js'
import { serveCapabilities } from './capabilities.js'
import type { AccountOptions } from '../server/account/index.js'
import type { JwtBearerGrantOptions } from '../server/jwt-bearer/index.js'
import type { TokenExchangeOptions } from '../server/token-exchange/index.js'
import type { JSONWebKeySet } from '../jwt/verify.js'
import { isRegistrationPolicy, REGISTRATION_POLICIES, type RegistrationPolicy } from '../server/rfc7591/index.js'
import type { FederationOptions } from '../server/federation/index.js'
import type { DeviceAuthorizationOptions } from '../server/device/index.js'
import type { Store } from '../storage/types.js'
import { isLoopbackHost } from '../protocol/rfc6749/redirect-uri.js'
import { ACCESS_TOKEN_FORMATS, isAccessTokenFormat, MAX_REFRESH_TOKEN_REUSE_GRACE, type AccessTokenFormat } from '../server/config.js'
import { dbPath, now, openStore, parseDuration, secretFor, STORE_OPTIONS, storeUrls, UsageError, type StoreFlags } from './common.js'
import { loadConfigFile, type ConfigFile } from '../standalone/config-file.js'
import { pagesFromConfigFile, uiFromConfigFile } from '../standalone/ui-files.js'

async function seedDemo(store: Store, issuer: string): Promise<string[] | undefined> {
  if ((await store.users.list()).length > 0 || (await store.clients.list()).length > 0) return undefined
  const password = process.env.TESSERA_DEMO_PASSWORD ?? randomToken(12)
  await createUser(store, { username: 'demo', password, name: 'Demo User', givenName: 'Demo', familyName: 'User', email: 'demo@example.com', emailVerified: true }, now())
  const api = demoResource(issuer)
  const { client, clientSecret } = await createClient(store, {
    name: 'Demo app',
    clientId: 'demo-app',
    redirectUris: ['http://localhost:3000/authorize', 'http://127.0.0.1:3000/authorize'],
    postLogoutRedirectUris: ['http://localhost:3000/', 'http://127.0.0.1:3000/'],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile', 'email', 'offline_access', ...Object.keys(api.scopes)],
  }, now())
  return [
    'First start: created a demo user and a demo client (shown once, not stored in clear):',
    `  user:          demo / ${password}`,
    `  client_id:     ${client.client_id}`,
    `  client_secret: ${clientSecret ?? ''}`,
    `  redirect_uri:  ${client.redirect_uris[0] ?? ''}`,
  ]
}

/** `--admin-api-listen HOST:PORT` (or its variable, or the file's `adminApi.listen`): the admin API's own listener. */
function adminApiListen(value: string | undefined): { host: string; port: number } | undefined {
  if (value === undefined || value === '') return undefined
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/[\]]+)):(\d{1,5})$/.exec(value)
  const port = Number(match?.[3])
  if (!match || port > 65535) throw new UsageError(`--admin-api-listen must be HOST:PORT (e.g. 127.0.0.1:9400), got ${JSON.stringify(value)}`)
  return { host: match[1] ?? match[2] ?? '', port }
}

/** `--trusted-proxy` (repeatable), TESSERA_TRUSTED_PROXIES (comma-separated) or the file: validated IPs and CIDR ranges. */
/** A repeatable flag, else its environment variable (comma-separated), else the configuration file's list. */
function listOption(flags: string[] | undefined, envName: string, fromFile: readonly string[] | undefined): string[] {
  const env = process.env[envName]
  return flags ?? (env !== undefined ? env.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '') : [...(fromFile ?? [])])
}

function trustedProxies(flags: string[] | undefined, fromFile: string[] | undefined): string[] {
  const entries = listOption(flags, 'TESSERA_TRUSTED_PROXIES', fromFile)
  try {
    parseTrustedProxies(entries)
  } catch (error) {
    throw new UsageError(`--trusted-proxy: ${(error as Error).message}`)
  }
  return entries
}

/** `--access-token-format` or TESSERA_ACCESS_TOKEN_FORMAT: `jwt` (default) or `opaque`. */
function accessTokenFormat(flag: string | undefined, fromFile: AccessTokenFormat | undefined): AccessTokenFormat | undefined {
  const value = flag ?? process.env.TESSERA_ACCESS_TOKEN_FORMAT ?? fromFile
  if (value === undefined || value === '') return undefined
  if (!isAccessTokenFormat(value)) throw new UsageError(`--access-token-format must be ${ACCESS_TOKEN_FORMATS.join(' or ')}, got ${JSON.stringify(value)}`)
  return value
}

/** `--refresh-token-reuse-grace` or TESSERA_REFRESH_TOKEN_REUSE_GRACE: seconds from 0 (off) to 60, else the file's. */
function refreshTokenReuseGrace(flag: string | undefined, fromFile: number | undefined): number | undefined {
  const value = flag ?? process.env.TESSERA_REFRESH_TOKEN_REUSE_GRACE
  if (value === undefined || value === '') return fromFile
  const match = /^(\d{1,9})s?$/.exec(value)
  const seconds = match ? Number(match[1]) : Number.NaN
  if (!(seconds <= MAX_REFRESH_TOKEN_REUSE_GRACE)) {
    throw new UsageError(`--refresh-token-reuse-grace must be seconds from 0 (off) to ${MAX_REFRESH_TOKEN_REUSE_GRACE}, got ${JSON.stringify(value)}`)
  }
  return seconds
}

/** `--registration` or TESSERA_REGISTRATION: off (default), open or token. */
function registrationPolicy(flag: string | undefined, fromFile: RegistrationPolicy | undefined): RegistrationPolicy {
  const value = flag ?? process.env.TESSERA_REGISTRATION ?? fromFile ?? 'off'
  if (!isRegistrationPolicy(value)) throw new UsageError(`--registration must be ${REGISTRATION_POLICIES.join(', ')}, got ${JSON.stringify(value)}`)
  return value
}

/** `--metrics` (env TESSERA_METRICS=1) and `--metrics-port` (env TESSERA_METRICS_PORT, implies metrics), else the file's `metrics`. */
function metricsOption(flag: boolean | undefined, portFlag: string | undefined, fromFile: ConfigFile['metrics']): { port?: number } | undefined {
  const portValue = portFlag ?? process.env.TESSERA_METRICS_PORT
  if (portValue !== undefined && portValue !== '') {
    const port = Number(portValue)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--metrics-port must be a port number')
    return { port }
  }
  const env = process.env.TESSERA_METRICS
  if (flag || env === '1' || env === 'true' || env === 'on') return {}
  if (env !== undefined || !fromFile || (fromFile.enabled !== true && fromFile.port === undefined)) return undefined
  return fromFile.port === undefined ? {} : { port: fromFile.port }
}

/**
 * The store options: flags and environment first; the file's `database` only when neither names a store,
 * so that an explicit `--db` or a DATABASE_URL of the environment is never overridden by the file.
 */
function storeFlags(values: StoreFlags, fromFile: ConfigFile['database']): StoreFlags {
  const { env } = process
  const named = values.db ?? values['database-url'] ?? values['redis-url'] ?? env.TESSERA_DB ?? env.DATABASE_URL ?? env.REDIS_URL
  if (named !== undefined || !fromFile) return values
  return fromFile.url ? { 'database-url': fromFile.url, 'redis-url': fromFile.redisUrl } : { db: fromFile.sqlite }
}

/** Whether an issuer URL is on loopback (a malformed one is not; the server's own check names the problem). */
function isLoopbackIssuer(issuer: string): boolean {
  try {
    return isLoopbackHost(new URL(issuer).hostname)
  } catch {
    return false
  }
}

/** A boolean environment variable when it is set (`1` or `true` for on), else undefined so the file decides. */
/** `mail` and `account` of the file, the environment overriding: the SMTP URL may hold a password, kept out of files. */
function accountOptions(config: ConfigFile): AccountOptions {
  const url = process.env.TESSERA_MAIL_URL || config.mail?.url
  const from = process.env.TESSERA_MAIL_FROM || config.mail?.from
  const registration = envSwitch('TESSERA_SELF_REGISTRATION') ?? config.account?.registration
  return {
    ...(url !== undefined && from !== undefined ? { mail: { url, from } } : {}),
    ...(registration !== undefined ? { registration } : {}),
    ...(config.account?.resetLinkLifetime !== undefined ? { resetLinkLifetime: config.account.resetLinkLifetime } : {}),
    ...(config.account?.verificationLinkLifetime !== undefined ? { verificationLinkLifetime: config.account.verificationLinkLifetime } : {}),
  }
}

function envSwitch(name: string): boolean | undefined {
  const value = process.env[name]
  return value === undefined || value === '' ? undefined : isOn(value)
}

/** A boolean environment variable: `1` or `true`. */
function isOn(value: string | undefined): boolean {
  return value === '1' || value?.toLowerCase() === 'true'
}

/** The configuration file's trusted issuers as `jwtBearerGrant` options; undefined when none are configured. */
function jwtBearerOptions(section: ConfigFile['jwtBearer']): JwtBearerGrantOptions | undefined {
  if (!section || section.issuers.length === 0) return undefined
  return {
    issuers: section.issuers.map(({ maxLifetime, jwks, ...issuer }) => ({
      ...issuer,
      ...(jwks ? { jwks: jwks as unknown as JSONWebKeySet } : {}),
      ...(maxLifetime === undefined ? {} : { maxLifetimeSeconds: maxLifetime }),
    })),
  }
}

/** The configuration file's `tokenExchange`, with the JWT-bearer grant's trusted issuers; undefined when the section is absent. */
function tokenExchangeOptions(config: ConfigFile): TokenExchangeOptions | undefined {
  const section = config.tokenExchange
  if (!section) return undefined
  const trustedIssuers = jwtBearerOptions(config.jwtBearer)?.issuers
  return {
    ...(section.clients ? { clients: section.clients } : {}),
    ...(trustedIssuers ? { trustedIssuers } : {}),
    ...(section.idJagLifetime !== undefined ? { idJagLifetimeSeconds: section.idJagLifetime } : {}),
  }
}

/** `tessera-oidc serve`: the standalone authorization server. */
export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      demo: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      issuer: { type: 'string' },
      ...STORE_OPTIONS,
      'no-seed': { type: 'boolean' },
      'trusted-proxy': { type: 'string', multiple: true },
      'forwarded-header': { type: 'string' },
      'access-token-format': { type: 'string' },
      registration: { type: 'string' },
      'registration-unused-expiry': { type: 'string' },
      metrics: { type: 'boolean' },
      'metrics-port': { type: 'string' },
      'client-metadata-documents': { type: 'boolean' },
      'allow-loopback-fetch': { type: 'boolean' },
      'require-par': { type: 'boolean' },
      profile: { type: 'string' },
      'require-signed-request-object': { type: 'boolean' },
      'require-dpop': { type: 'boolean' },
      'dpop-nonces': { type: 'boolean' },
      'admin-api': { type: 'boolean' },
      'admin-console': { type: 'boolean' },
      'admin-user': { type: 'string', multiple: true },
      'admin-api-listen': { type: 'string' },
      'refresh-token-reuse-grace': { type: 'string' },
    },
    strict: true,
  })
  // Flags first, then the environment, then the configuration file, then the defaults.
  const configPath = values.config ?? process.env.TESSERA_CONFIG
  const config: ConfigFile = configPath === undefined || configPath === '' ? {} : loadConfigFile(configPath)
  let ui: ReturnType<typeof uiFromConfigFile>
  let pages: Awaited<ReturnType<typeof pagesFromConfigFile>>
  try {
    ui = uiFromConfigFile(config, configPath)
    pages = await pagesFromConfigFile(config, configPath)
  } catch (error) {
    throw new UsageError(`${configPath ?? 'configuration'}: ${(error as Error).message}`)
  }
  // The notes API, its MCP sibling and the demo user and client: only on request (`npm start` asks).
  const demo = values.demo === true
  const port = Number(values.port ?? process.env.TESSERA_PORT ?? config.server?.port ?? 4000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number')
  const host = values.host ?? process.env.TESSERA_HOST ?? config.server?.host ?? '127.0.0.1'
  const format = accessTokenFormat(values['access-token-format'], config.tokens?.format)
  const reuseGrace = refreshTokenReuseGrace(values['refresh-token-reuse-grace'], config.lifetimes?.refreshTokenReuseGrace)
  const lifetimes = { ...config.lifetimes, ...(reuseGrace !== undefined ? { refreshTokenReuseGrace: reuseGrace } : {}) }
  const registration = registrationPolicy(values.registration, config.registration?.policy)
  const unusedExpiry = values['registration-unused-expiry'] ?? process.env.TESSERA_REGISTRATION_UNUSED_EXPIRY
  const registrationUnusedSeconds = unusedExpiry === undefined ? config.registration?.unusedExpiry : parseDuration(unusedExpiry, '--registration-unused-expiry')
  const metrics = metricsOption(values.metrics, values['metrics-port'], config.metrics)
  const stores = storeFlags(values, config.database)
  const db = dbPath(stores.db)
  const clientMetadataDocuments = values['client-metadata-documents'] ?? envSwitch('TESSERA_CLIENT_METADATA_DOCUMENTS') ?? config.clientMetadataDocuments?.enabled ?? false
  const profile = values.profile ?? process.env.TESSERA_PROFILE ?? config.profile
  if (profile !== undefined && profile !== 'fapi2') throw new UsageError('--profile must be fapi2 (the FAPI 2.0 Security Profile)')
  // The profile requires PAR of every client: only an explicit "not required" contradicts it, and stops the start.
  const requirePushedAuthorizationRequests = values['require-par'] ?? envSwitch('TESSERA_REQUIRE_PAR') ?? config.pushedAuthorizationRequests?.required ?? profile === 'fapi2'
  const requireSignedRequestObject = values['require-signed-request-object'] ?? envSwitch('TESSERA_REQUIRE_SIGNED_REQUEST_OBJECT') ?? config.signedRequestObjects?.required ?? false
  const account = accountOptions(config)
  // Undefined unless asked for, so the FAPI 2.0 profile's own default (required) stays in force.
  const requireDpop = values['require-dpop'] ?? envSwitch('TESSERA_REQUIRE_DPOP') ?? config.dpop?.required
  const dpopNonces = values['dpop-nonces'] ?? envSwitch('TESSERA_DPOP_NONCES') ?? config.dpop?.nonces ?? false
  const requireMfa = envSwitch('TESSERA_REQUIRE_MFA') ?? config.secondFactors?.required ?? false
  const passkeysOn = envSwitch('TESSERA_PASSKEYS') ?? config.passkeys?.enabled ?? false
  const passkeyOptions = passkeysOn ? { ...(config.passkeys?.rpId ? { rpId: config.passkeys.rpId } : {}), ...(config.passkeys?.userVerification ? { userVerification: config.passkeys.userVerification } : {}) } : undefined
  const adminListen = adminApiListen(values['admin-api-listen'] ?? process.env.TESSERA_ADMIN_API_LISTEN ?? config.adminApi?.listen)
  // A listener of its own is asked for the API: it turns the API on.
  const adminApiOn = values['admin-api'] ?? envSwitch('TESSERA_ADMIN_API') ?? config.adminApi?.enabled ?? adminListen !== undefined
  if (adminListen && !adminApiOn) throw new UsageError('--admin-api-listen names a listener for the admin API, which is switched off (TESSERA_ADMIN_API or adminApi.enabled)')
  const adminUsers = listOption(values['admin-user'], 'TESSERA_ADMIN_USERS', config.adminApi?.admins)
  const adminConsoleOn = values['admin-console'] ?? envSwitch('TESSERA_ADMIN_CONSOLE') ?? config.adminConsole?.enabled ?? false
  // The console is built on the admin API: switching it on alone would serve pages that can do nothing.
  if (adminConsoleOn && !adminApiOn) throw new UsageError('--admin-console needs the admin API: add --admin-api (or adminApi.enabled), and name the admins with --admin-user')
  // Known once its port is open (port 0 picks one), before any request reaches it.
  let adminApiUrl: string | undefined
  const allowLoopbackFetch = values['allow-loopback-fetch'] ?? envSwitch('TESSERA_ALLOW_LOOPBACK_FETCH') ?? config.development?.allowLoopbackFetch ?? false
  // Log lines are written asynchronously: a synchronous write per line blocks every request in flight whenever
  // stdout is a pipe whose reader falls behind (a log shipper, a terminal). Into a file it cost little (issue 20's
  // profile: formatting and redaction are the 6–7% a logged token request pays, not the write). Lines logged
  // while a write is under way go out together in the next one; pino writes what is still buffered
  // synchronously when the process exits, so a clean stop loses none (test/cli/serve-shutdown.test.ts).
  const logger = pino({ level: process.env.TESSERA_LOG_LEVEL ?? 'info', ...LOG_OPTIONS }, pino.destination({ dest: 1, sync: false }))
  const { secrets, generated, file } = secretFor(stores)
  const issuer = values.issuer ?? process.env.TESSERA_ISSUER ?? config.issuer
  if (file !== undefined && issuer !== undefined && !isLoopbackIssuer(issuer)) {
    throw new UsageError(`set TESSERA_SECRET (at least 32 random characters, e.g. from openssl rand -base64 32): the secret in ${file} is for local use, and ${issuer} is not on loopback`)
  }
  if (generated) logger.warn({ file }, 'TESSERA_SECRET is not set: generated a local secret; set TESSERA_SECRET in production')
  const store = await openStore(stores)
  // The login page verifies passwords with argon2, an optional peer: refuse to start without it rather
  // than fail the first sign-in.
  await importOptional('tessera-oidc serve', OPTIONAL_MODULES.argon2).catch(async (error: unknown) => {
    await store.close()
    throw error
  })
  const proxies = trustedProxies(values['trusted-proxy'], config.proxy?.trusted)
  const forwardedHeader = values['forwarded-header'] ?? process.env.TESSERA_FORWARDED_HEADER ?? config.proxy?.header
  if (forwardedHeader !== undefined && forwardedHeader !== 'x-forwarded-for' && forwardedHeader !== 'forwarded') {
    throw new UsageError('--forwarded-header must be x-forwarded-for or forwarded')
  }
  // With Redis (several instances) the abuse counters are shared too, or each instance would allow its own share.
  const { databaseUrl, redisUrl } = storeUrls(stores)
  const counters = redisUrl ? openRedisCounterStore({ url: redisUrl }) : undefined
  // The demo notes live in the same database as the server's records, through a connection of their own.
  const notes = databaseUrl ? openPostgresNoteStore({ connectionString: databaseUrl }) : openSqliteNoteStore({ filename: db })
  const server = await startStandaloneServer({
    store, notes, secret: secrets, port, host, logger, ...(issuer ? { issuer } : {}),
    ...(proxies.length > 0 ? { trustedProxies: proxies } : {}), ...(forwardedHeader ? { forwardedHeader } : {}),
    ...(counters ? { counters } : {}),
    ...(format ? { accessTokenFormat: format } : {}),
    ...(config.tokens?.signingAlg ? { accessTokenSigningAlg: config.tokens.signingAlg } : {}),
    ...(config.lifetimes || reuseGrace !== undefined ? { lifetimes } : {}),
    ...(config.limits?.login ? { loginThrottle: config.limits.login } : {}),
    ...(config.limits?.clients ? { clientLimits: config.limits.clients } : {}),
    ...(config.branding?.productName ? { productName: config.branding.productName } : {}),
    ...(ui ? { ui } : {}),
    ...(pages ? { pages } : {}),
    ...(config.audit?.retention ? { auditRetention: config.audit.retention } : {}),
    ...(profile ? { profile } : {}),
    ...(requireDpop !== undefined ? { requireDpop } : {}),
    ...(dpopNonces ? { dpopNonces } : {}),
    ...(requireMfa ? { requireMfa } : {}),
    capabilities: serveCapabilities({
      registration, registrationUnusedSeconds, clientMetadataDocuments, requirePushedAuthorizationRequests, requireSignedRequestObject, account,
      jwtBearer: jwtBearerOptions(config.jwtBearer), federation: federationOptions(config.federation), deviceFlow: deviceFlowOptions(config.deviceFlow),
      tokenExchange: tokenExchangeOptions(config), passkeys: passkeyOptions, adminApi: adminApiOn ? { admins: adminUsers, ...(adminListen ? { url: () => adminApiUrl } : {}) } : undefined,
      adminConsole: adminConsoleOn ? { requireMfa: config.adminConsole?.requireMfa ?? false } : undefined,
    }),
    ...(allowLoopbackFetch ? { development: { allowLoopbackFetch } } : {}),
    ...(metrics ? { metrics } : {}),
    ...(adminListen ? { adminApiListen: { ...adminListen, listening: (url: string) => { adminApiUrl = url } } } : {}),
    ...(demo
      ? {
          // The configured APIs after the demo's; the MCP example (`npm run example:mcp`, MCP_PORT 3001) is a resource of its own (RFC 8707 §2).
          additionalResources: [
            demoMcpResource(process.env.TESSERA_MCP_RESOURCE ?? `http://localhost:${process.env.MCP_PORT ?? 3001}/mcp`),
            ...(config.resources ?? []),
          ],
        }
      : { resources: config.resources ?? [] }),
  })
  const seeded = values['no-seed'] || !demo ? undefined : await seedDemo(store, server.url)
  logger.info({ issuer: server.url, store: databaseUrl ? 'postgres' : db, registration }, 'Tessera is listening')
  if (clientMetadataDocuments) logger.info('client ID metadata documents: https client_ids are fetched through the SSRF guard (--client-metadata-documents)')
  if (registration === 'open') logger.warn('dynamic client registration is open: anyone may register clients (--registration open)')
  const lines = [
    '',
    `Tessera authorization server: ${server.url}`,
    `  discovery: ${server.url}/.well-known/openid-configuration`,
    ...(registration === 'off' ? [] : [`  registration (${registration}): ${server.url}/register`]),
    ...(server.metricsUrl ? [`  metrics: ${server.metricsUrl}`] : []),
    ...(adminApiOn ? [`  admin API: ${server.adminApiUrl ?? `${server.url}/admin/v1`} (OpenAPI: ${server.adminApiUrl ?? `${server.url}/admin/v1`}/openapi.json)${server.adminApiUrl ? ', on its own listener only' : ''}`, `  admin API users: ${adminUsers.length > 0 ? adminUsers.join(', ') : 'none (client-credentials tokens only; --admin-user NAME)'}`] : []),
    ...(adminConsoleOn ? [`  admin console: ${server.url}/admin (for the admin API users)`] : []),
    ...(!demo && (config.resources ?? []).length === 0
      ? ['  no APIs configured: list them under "resources" in a configuration file (--config, see tessera-oidc config --help), or add one with tessera-oidc resource create']
      : []),
    ...(clientMetadataDocuments ? ['  client ID metadata documents: https client_ids are fetched and accepted'] : []),
    ...(profile === 'fapi2' ? ['  profile: FAPI 2.0 Security Profile (PAR, PKCE S256, DPoP, private_key_jwt, PS256/ES256/EdDSA)'] : []),
    ...(requirePushedAuthorizationRequests ? [`  pushed authorization requests required: ${server.url}/par`] : []),
    ...(requireSignedRequestObject ? ['  signed request objects required (RFC 9101)'] : []),
    ...(requireDpop === true && profile !== 'fapi2' ? ['  DPoP proofs required at the token endpoint (RFC 9449)'] : []),
    ...(dpopNonces ? ['  DPoP nonces required (RFC 9449 §8)'] : []),
    ...(reuseGrace !== undefined && reuseGrace > 0 ? [`  refresh-token reuse grace: ${reuseGrace} s (a rotated token from its own client gets the same successor)`] : []),
    ...(seeded ?? []),
    '',
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
  const stop = (): void => {
    server.close().then(() => Promise.all([store.close(), notes.close(), counters?.close()])).finally(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

/** The configuration file's `deviceFlow` as the capability's options. */
function deviceFlowOptions(section: ConfigFile['deviceFlow']): DeviceAuthorizationOptions {
  return {
    ...(section?.codeLifetime !== undefined ? { lifetimeSeconds: section.codeLifetime } : {}),
    ...(section?.interval !== undefined ? { intervalSeconds: section.interval } : {}),
    ...(section?.userCodeFailures !== undefined ? { userCodeFailures: section.userCodeFailures } : {}),
  }
}

/** The configuration file's `federation`, each upstream's client secret read from the variable it names. */
function federationOptions(section: ConfigFile['federation']): FederationOptions | undefined {
  if (!section) return undefined
  const upstreams = section.upstreams.map(({ clientSecretEnv, ...upstream }) => {
    const clientSecret = clientSecretEnv === undefined ? undefined : process.env[clientSecretEnv]
    if (clientSecretEnv !== undefined && !clientSecret) throw new UsageError(`federation upstream '${upstream.id}': set ${clientSecretEnv} (its client secret)`)
    return { ...upstream, ...(clientSecret ? { clientSecret } : {}) }
  })
  return {
    upstreams,
    ...(section.provisioning !== undefined ? { provisioning: section.provisioning } : {}),
    ...(section.linkMaxAge !== undefined ? { linkMaxAge: section.linkMaxAge } : {}),
  }
}
