import type { AccountSection, AuthenticatingEndpoint, Capability, ClientAuthenticationMethod, ClientSource, CredentialReader, Endpoint, EndpointUrls, Grant, Registry, RequestObjects, RequestReferences, RouteMatch } from './context.js'

/** Capabilities that cannot be registered together: a name, path, grant type or method registered twice. */
export class RegistryError extends Error {
  constructor(message: string) {
    super(`Invalid capability registration: ${message}`)
    this.name = 'RegistryError'
  }
}

const NO_CAPTURES: readonly string[] = []
const ALL_AUTHENTICATING: readonly AuthenticatingEndpoint[] = ['token', 'revocation', 'introspection', 'par']

/**
 * Assembles capabilities into a registry.
 *
 * @example const registry = createRegistry([...CORE_CAPABILITIES, deviceFlow])
 */
export function createRegistry(capabilities: readonly Capability[]): Registry {
  const names = new Set<string>()
  const endpoints: Endpoint[] = []
  const exact = new Map<string, RouteMatch>()
  const prefixed: Endpoint[] = []
  const paths: Record<string, string> = {}
  const grants = new Map<string, Grant>()
  const authMethods = new Map<string, ClientAuthenticationMethod>()
  const readers = new Map<string, CredentialReader>()
  const auditEvents = new Map<string, 'info' | 'warn'>()
  const clientSources: ClientSource[] = []
  const requestReferences: RequestReferences[] = []
  let requestObjects: RequestObjects | undefined
  const accountSections = new Map<string, AccountSection>()

  function claim<T>(map: Map<string, T>, key: string, value: T, what: string, owner: string): void {
    if (map.has(key)) throw new RegistryError(`${what} ${key} of ${owner} is already registered`)
    map.set(key, value)
  }

  for (const capability of capabilities) {
    if (names.has(capability.name)) throw new RegistryError(`capability ${capability.name} is registered twice`)
    names.add(capability.name)
    for (const endpoint of capability.endpoints ?? []) {
      if (endpoint.name in paths) throw new RegistryError(`endpoint ${endpoint.name} of ${capability.name} is already registered`)
      if (!/^\/[A-Za-z0-9._~/-]*$/.test(endpoint.path)) throw new RegistryError(`endpoint ${endpoint.name} has an invalid path ${endpoint.path}`)
      paths[endpoint.name] = endpoint.path
      endpoints.push(endpoint)
      if (endpoint.handle) {
        const route: RouteMatch = { endpoint, methods: endpoint.methods, handle: endpoint.handle, captures: NO_CAPTURES }
        for (const path of [endpoint.path, ...(endpoint.aliases ?? [])]) claim(exact, path, route, 'path', capability.name)
      }
      if (endpoint.below?.length) prefixed.push(endpoint)
    }
    for (const grant of capability.grants ?? []) claim(grants, grant.type, grant, 'grant type', capability.name)
    for (const method of capability.clientAuthentication ?? []) {
      claim(authMethods, method.method, method, 'client authentication method', capability.name)
      const known = readers.get(method.reader.name)
      if (known && known !== method.reader) throw new RegistryError(`credential reader ${method.reader.name} of ${capability.name} is already registered`)
      readers.set(method.reader.name, method.reader)
    }
    for (const [type, level] of Object.entries(capability.auditEvents ?? {})) claim(auditEvents, type, level, 'audit event', capability.name)
    if (capability.clientSource) clientSources.push(capability.clientSource)
    if (capability.requestReferences) requestReferences.push(capability.requestReferences)
    if (capability.requestObjects) {
      if (requestObjects) throw new RegistryError(`request objects of ${capability.name} are already registered`)
      requestObjects = capability.requestObjects
    }
    for (const section of capability.accountSections ?? []) claim(accountSections, section.id, section, 'account section', capability.name)
  }

  // RFC 6749 §2.3's reader takes a bare client_id for `none`; readers of methods with a signal of their
  // own (an assertion, a certificate) must see the request first.
  const orderedReaders = [...readers.values()].sort((a, b) => Number(a.name === RFC6749_READER) - Number(b.name === RFC6749_READER))

  return {
    capabilities: [...capabilities],
    endpoints,
    paths,
    grants,
    grantTypes: [...grants.keys()],
    authMethods,
    readers: orderedReaders,
    auditEvents,
    // Array.prototype.sort is stable: equal orders keep registration order.
    accountSections: [...accountSections.values()].sort((a, b) => (a.order ?? 100) - (b.order ?? 100)),
    clientSources,
    requestReferences,
    requestObjects,
    route(path) {
      const route = exact.get(path)
      if (route) return route
      for (const endpoint of prefixed) {
        if (!path.startsWith(`${endpoint.path}/`)) continue
        const rest = path.slice(endpoint.path.length)
        for (const sub of endpoint.below ?? []) {
          const match = sub.pattern.exec(rest)
          if (match) return { endpoint, methods: sub.methods, handle: sub.handle, captures: match.slice(1).map((value) => value ?? '') }
        }
      }
      return undefined
    },
    authMethodsFor(endpoint) {
      return [...authMethods.values()].filter((method) => (method.endpoints ?? ALL_AUTHENTICATING).includes(endpoint)).map((method) => method.method)
    },
  }
}

/** The name of RFC 6749 §2.3's credential reader (Basic, body secret, bare client id). */
export const RFC6749_READER = 'rfc6749'

/** Absolute endpoint URLs from the issuer (RFC 8414 §2: endpoints share the issuer's origin and path). */
export function endpointUrlsOf(issuer: string, registry: Registry): EndpointUrls {
  const base = issuer.replace(/\/+$/, '')
  const urls: Record<string, string> = {}
  for (const [name, path] of Object.entries(registry.paths)) urls[name] = base + path
  for (const name of CORE_ENDPOINTS) if (urls[name] === undefined) throw new RegistryError(`the core endpoint ${name} is missing`)
  return urls as unknown as EndpointUrls
}

const CORE_ENDPOINTS = ['authorization', 'token', 'userinfo', 'jwks', 'revocation', 'introspection', 'endSession', 'interaction'] as const
