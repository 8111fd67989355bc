import * as oauth from 'oauth4webapi'
import { checkServerMetadata } from './endpoints.js'
import { ClientConfigError, ClientError } from './errors.js'
import { providerStep, requestOptions, type RequestOptions, type Transport } from './http.js'
import { normalizeRegistration, type ProviderConfig, type ProviderRegistration } from './provider.js'

/** A registered provider after discovery: what every protocol step takes. */
export interface Provider {
  config: ProviderConfig
  as: oauth.AuthorizationServer
  client: oauth.Client
  auth: oauth.ClientAuth
  /** Transport options for this provider's requests. */
  http: RequestOptions
}

export interface Registry {
  register(registration: ProviderRegistration): void
  has(name: string): boolean
  /** The registered providers' names and configured issuers (before discovery). */
  list(): { name: string; issuer: string }[]
  /** The provider, discovering (once, then cached in memory) on first use. */
  resolve(name: string): Promise<Provider>
}

export interface RegistryOptions {
  transport: Transport
  warn: (message: string) => void
}

/** oauth4webapi's per-server issuer override hook; present in v3 (used by openid-client), typed nowhere. */
const expectedIssuerHook = (oauth as unknown as { _expectedIssuer?: symbol })._expectedIssuer

function clientAuthentication(config: ProviderConfig): oauth.ClientAuth {
  switch (config.authMethod) {
    case 'client_secret_basic':
      return oauth.ClientSecretBasic(config.clientSecret ?? '')
    case 'client_secret_post':
      return oauth.ClientSecretPost(config.clientSecret ?? '')
    case 'none':
      return oauth.None()
    // RFC 7523 §2.2 through oauth4webapi: `aud` is the issuer identifier (7523bis §4), a fresh `jti`, 60 s.
    case 'private_key_jwt':
      return oauth.PrivateKeyJwt(config.clientPrivateKey ?? missingKey())
    case 'client_secret_jwt':
      return oauth.ClientSecretJwt(config.clientSecret ?? '')
  }
}

function missingKey(): never {
  throw new TypeError('private_key_jwt needs clientPrivateKey (checked at registration)')
}

/**
 * OIDC Discovery §4 / RFC 8414 §3 through oauth4webapi, which checks that the document's `issuer` equals
 * the configured one (§4.3, §3.3); then every endpoint is checked before it can be opened or fetched.
 */
async function discover(config: ProviderConfig, http: RequestOptions): Promise<oauth.AuthorizationServer> {
  if (config.staticMetadata) {
    checkServerMetadata(config.staticMetadata, { openid: false, insecureLoopback: config.insecureLoopback })
    return config.staticMetadata
  }
  const issuer = new URL(config.issuer)
  const as = await providerStep('discovery', async () => {
    const response = await oauth.discoveryRequest(issuer, { ...http, algorithm: config.discovery === 'oauth2' ? 'oauth2' : 'oidc' })
    return oauth.processDiscoveryResponse(issuer, response)
  }).catch((error: unknown) => {
    if (error instanceof ClientError && error.code === 'invalid_response') {
      throw new ClientError('provider_misconfigured', { detail: error.detail ?? 'discovery failed', cause: error })
    }
    throw error
  })
  checkServerMetadata(as, { openid: config.openid, insecureLoopback: config.insecureLoopback })
  if (config.issuerAliases.length === 0 || !expectedIssuerHook) return as
  // Google: ID tokens may carry the legacy scheme-less issuer; accept exactly the listed aliases.
  const aliases = config.issuerAliases
  return Object.assign({ ...as }, {
    [expectedIssuerHook]: ({ claims }: { claims: { iss?: unknown } }) => (typeof claims.iss === 'string' && aliases.includes(claims.iss) ? claims.iss : as.issuer),
  })
}

/**
 * The provider registry: `register` validates synchronously; discovery happens on first use and is cached
 * (a failure is not cached, so the next request retries).
 */
export function createRegistry(options: RegistryOptions): Registry {
  const configs = new Map<string, ProviderConfig>()
  const resolved = new Map<string, Promise<Provider>>()

  async function build(config: ProviderConfig): Promise<Provider> {
    const http = requestOptions(options.transport, config.insecureLoopback)
    const as = await discover(config, http)
    const client: oauth.Client = { client_id: config.clientId }
    if (config.idTokenAlg) client.id_token_signed_response_alg = config.idTokenAlg
    return { config, as, client, auth: clientAuthentication(config), http }
  }

  return {
    register(registration) {
      const config = normalizeRegistration(registration)
      if (configs.has(config.name)) throw new ClientConfigError(`oauth.register('${config.name}'): a provider with this name is already registered`)
      if (config.insecureLoopback) options.warn(`provider '${config.name}': allowInsecureLoopback is on; http is accepted for loopback endpoints`)
      configs.set(config.name, config)
    },
    has(name) {
      return configs.has(name)
    },
    list() {
      return [...configs.values()].map((config) => ({ name: config.name, issuer: config.issuer }))
    },
    resolve(name) {
      const config = configs.get(name)
      if (!config) return Promise.reject(new ClientError('unknown_provider', { detail: `no provider named ${JSON.stringify(name).slice(0, 80)}` }))
      let pending = resolved.get(name)
      if (!pending) {
        pending = build(config)
        resolved.set(name, pending)
        pending.catch(() => resolved.delete(name))
      }
      return pending
    },
  }
}
