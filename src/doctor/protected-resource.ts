import { parseChallenges, type AuthenticationChallenge } from '../protocol/rfc6750/parse-challenge.js'
import { matchResource, protectedResourceMetadataUrl, readProtectedResourceMetadata, type ProtectedResourceMetadataDocument } from '../protocol/rfc9728/resource-metadata.js'
import { fetchAuthorizationServerMetadata, type FetchedMetadata } from './authorization-server.js'
import { doctorFetch, fetchProblem, type Fetched } from './fetch.js'
import type { CheckResult, DoctorOptions } from './types.js'

/** An MCP client's first request: `initialize` over Streamable HTTP, without a token. */
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'tessera-doctor', version: '1' } },
})

/** Sends what an MCP client sends first, without a token. */
export function probeResource(url: string, options: DoctorOptions): Promise<Fetched> {
  return doctorFetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: INITIALIZE }, options)
}

/** The Bearer challenge of a 401, if the probe got one. */
export function challengeOf(probe: Fetched): AuthenticationChallenge | undefined {
  if (probe.kind !== 'response' || probe.status !== 401) return undefined
  return parseChallenges(probe.headers.get('www-authenticate') ?? '').find((challenge) => challenge.scheme === 'bearer')
}

/**
 * The checks on a protected resource's metadata document that need nothing but the document and the URL
 * clients connect to: `resource` identical to it (RFC 9728 §3.3), `authorization_servers`,
 * `scopes_supported`, `bearer_methods_supported` (RFC 9728 §2). Pure.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.3
 */
export function evaluateProtectedResourceMetadata(url: string, metadata: ProtectedResourceMetadataDocument, documentUrl: string, challenge?: AuthenticationChallenge): CheckResult[] {
  const results: CheckResult[] = []
  const add = (result: Omit<CheckResult, 'subject'>): void => {
    results.push({ subject: documentUrl, ...result })
  }
  const match = matchResource(url, metadata.resource)
  const resourceFix = `set resource to "${url}" in the protected resource metadata (tessera/resource: the audience; tessera-oidc serve's MCP example: TESSERA_MCP_RESOURCE)`
  if (match === 'identical') add({ id: 'rs.resource', status: 'pass', message: `resource is exactly ${url}`, spec: 'RFC 9728 §3.3' })
  else if (match === 'prefix') add({ id: 'rs.resource', status: 'warn', message: `resource ${JSON.stringify(metadata.resource)} is a prefix of ${url}, not identical: strict clients refuse the metadata`, fix: resourceFix, spec: 'RFC 9728 §3.3' })
  else add({ id: 'rs.resource', status: 'fail', message: `resource ${JSON.stringify(metadata.resource)} is not ${url}: clients must not use this metadata`, fix: resourceFix, spec: 'RFC 9728 §3.3' })

  const servers = metadata.authorization_servers
  if (!servers || servers.length === 0) {
    add({ id: 'rs.authorization-servers', status: 'fail', message: 'authorization_servers is missing or empty: clients cannot find where to get a token', fix: 'set authorization_servers to ["<issuer of your authorization server>"]', spec: 'RFC 9728 §2' })
  }

  const scopes = metadata.scopes_supported
  if (!scopes) {
    add({ id: 'rs.scopes-supported', status: 'warn', message: 'scopes_supported is missing: clients will not know which scopes to ask for', fix: 'set scopes_supported to the scopes this resource checks', spec: 'RFC 9728 §2' })
  } else {
    const challenged = challenge?.parameters.scope?.split(' ').filter(Boolean) ?? []
    const unlisted = challenged.filter((scope) => !scopes.includes(scope))
    add(unlisted.length === 0
      ? { id: 'rs.scopes-supported', status: 'pass', message: `scopes_supported: ${scopes.join(' ') || '(none)'}`, spec: 'RFC 9728 §2' }
      : { id: 'rs.scopes-supported', status: 'warn', message: `the challenge asks for scope ${unlisted.join(' ')}, which scopes_supported does not list`, fix: `add ${unlisted.join(' ')} to scopes_supported`, spec: 'RFC 9728 §2' })
  }

  const methods = metadata.bearer_methods_supported
  if (!methods) {
    add({ id: 'rs.bearer-methods', status: 'warn', message: 'bearer_methods_supported is missing: no method is implied', fix: 'set bearer_methods_supported to ["header"]', spec: 'RFC 9728 §2' })
  } else if (!methods.includes('header')) {
    add({ id: 'rs.bearer-methods', status: 'fail', message: `bearer_methods_supported ${JSON.stringify(methods)} lacks "header": MCP clients send the token in the Authorization header`, fix: 'accept the Authorization header and add "header" to bearer_methods_supported', spec: 'RFC 9728 §2' })
  } else if (methods.includes('query')) {
    add({ id: 'rs.bearer-methods', status: 'warn', message: 'bearer_methods_supported includes "query": tokens in URLs end up in logs', fix: 'stop accepting tokens in the query and remove "query"', spec: 'RFC 9700 §4.3.2' })
  } else {
    add({ id: 'rs.bearer-methods', status: 'pass', message: `bearer_methods_supported: ${methods.join(', ')}`, spec: 'RFC 9728 §2' })
  }
  return results
}

/**
 * Whether tokens of an authorization server can be meant for this resource: it takes `resource`
 * (RFC 8707), which MCP clients always send, and offers the scopes the resource checks.
 */
export function evaluateAudience(url: string, metadata: ProtectedResourceMetadataDocument, issuer: string, serverMetadata: Readonly<Record<string, unknown>>): CheckResult {
  const offered = Array.isArray(serverMetadata.scopes_supported) ? (serverMetadata.scopes_supported as unknown[]) : undefined
  const missing = offered ? (metadata.scopes_supported ?? []).filter((scope) => !offered.includes(scope)) : []
  if (missing.length > 0) {
    return { id: 'rs.audience', status: 'fail', subject: issuer, message: `${issuer} does not offer scope ${missing.join(' ')} that ${url} lists: no token will carry it`, fix: `register the resource ${url} with its scopes at ${issuer} (tessera-oidc serve's MCP example: TESSERA_MCP_RESOURCE=${url})`, spec: 'RFC 8707 §2' }
  }
  if (serverMetadata.resource_indicators_supported !== true) {
    return { id: 'rs.audience', status: 'warn', subject: issuer, message: `${issuer} does not advertise resource_indicators_supported: tokens may not be issued for the audience ${url}`, fix: 'support the resource parameter (RFC 8707) and set resource_indicators_supported to true', spec: 'RFC 8707 §2' }
  }
  return { id: 'rs.audience', status: 'pass', subject: issuer, message: `${issuer} takes resource=${url} (RFC 8707)${metadata.scopes_supported ? ' and offers its scopes' : ''}`, spec: 'RFC 8707 §2' }
}

/** A protected resource's checks, and the authorization servers whose metadata could be fetched. */
export interface ProtectedResourceChecks {
  results: CheckResult[]
  authorizationServers: Array<{ issuer: string; metadata: FetchedMetadata }>
}

/**
 * Checks an MCP server or other protected resource the way an MCP client meets it: a 401 with a Bearer
 * challenge naming `resource_metadata` (RFC 9728 §5.1), the metadata at the path-inserted well-known
 * location (§3.1), and each of its `authorization_servers` resolvable.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728
 */
export async function checkProtectedResource(url: string, options: DoctorOptions, probed?: Fetched): Promise<ProtectedResourceChecks> {
  const { results, authorizationServers } = await protectedResourceResults(url, options, probed)
  return { results: results.map((result) => ({ ...result, server: url })), authorizationServers }
}

async function protectedResourceResults(url: string, options: DoctorOptions, probed?: Fetched): Promise<ProtectedResourceChecks> {
  const results: CheckResult[] = []
  const probe = probed ?? (await probeResource(url, options))
  const wellKnown = protectedResourceMetadataUrl(url)
  if (probe.kind === 'response' && probe.status === 401) {
    results.push({ id: 'rs.challenge', status: 'pass', subject: url, message: 'a request without a token is answered 401', spec: 'RFC 6750 §3' })
  } else {
    results.push({
      id: 'rs.challenge', status: 'fail', subject: url,
      message: probe.kind === 'response' ? `a request without a token was answered ${probe.status}, not 401${probe.status < 300 ? ': the resource is not protected' : ''}` : (fetchProblem(probe) ?? ''),
      fix: 'answer requests without a token with 401 and WWW-Authenticate: Bearer (tessera/resource: requireScopes on every route of the MCP endpoint)',
      spec: 'RFC 6750 §3',
    })
  }
  const challenge = challengeOf(probe)
  if (probe.kind === 'response' && probe.status === 401) {
    results.push(challenge
      ? { id: 'rs.www-authenticate', status: 'pass', subject: url, message: `WWW-Authenticate: ${probe.headers.get('www-authenticate') ?? ''}`, spec: 'RFC 6750 §3' }
      : { id: 'rs.www-authenticate', status: 'fail', subject: url, message: `the 401 has no Bearer challenge (WWW-Authenticate: ${JSON.stringify(probe.headers.get('www-authenticate'))})`, fix: `answer with WWW-Authenticate: Bearer resource_metadata="${wellKnown ?? ''}"`, spec: 'RFC 6750 §3' })
  }
  const named = challenge?.parameters.resource_metadata
  if (probe.kind === 'response' && probe.status === 401) {
    results.push(named !== undefined
      ? { id: 'rs.resource-metadata-param', status: 'pass', subject: url, message: `the challenge names resource_metadata ${named}`, spec: 'RFC 9728 §5.1' }
      : {
          id: 'rs.resource-metadata-param', status: 'fail', subject: url,
          message: 'the challenge has no resource_metadata parameter: MCP clients find the authorization server through it',
          fix: `add resource_metadata="${wellKnown ?? '<metadata URL>'}" to the Bearer challenge (tessera/resource adds it for an http(s) audience; or set its resourceMetadata option)`,
          spec: 'RFC 9728 §5.1',
        })
  }

  const atWellKnown = wellKnown ? await doctorFetch(wellKnown, {}, options) : undefined
  const atNamed = named !== undefined && named !== wellKnown ? await doctorFetch(named, {}, options) : undefined
  const jsonOf = (fetched: Fetched | undefined): unknown => (fetched?.kind === 'response' && fetched.status === 200 ? fetched.json : undefined)
  const source = jsonOf(atNamed) !== undefined ? atNamed : jsonOf(atWellKnown) !== undefined ? atWellKnown : undefined
  if (wellKnown && atWellKnown) {
    if (jsonOf(atWellKnown) !== undefined) {
      results.push({ id: 'rs.metadata', status: 'pass', subject: wellKnown, message: `protected resource metadata found at ${wellKnown}`, spec: 'RFC 9728 §3.1' })
    } else {
      results.push({
        id: 'rs.metadata', status: source ? 'warn' : 'fail', subject: wellKnown,
        message: `${fetchProblem(atWellKnown) ?? `${wellKnown} is not JSON`}${source ? `; only the challenge's ${named ?? ''} serves it, so clients without the challenge will not find it` : ''}`,
        fix: `serve the protected resource metadata at ${wellKnown} (the well-known segment goes before the resource's path)`,
        spec: 'RFC 9728 §3.1',
      })
    }
  }
  if (atNamed && !source) {
    results.push({ id: 'rs.metadata', status: 'fail', subject: named ?? '', message: fetchProblem(atNamed) ?? `${named ?? ''} is not JSON`, fix: `serve the metadata at ${named ?? ''}, or name ${wellKnown ?? 'its URL'} in resource_metadata`, spec: 'RFC 9728 §5.1' })
  }
  if (!source) return { results, authorizationServers: [] }

  const { metadata, problems } = readProtectedResourceMetadata(jsonOf(source))
  for (const { member, problem } of problems) {
    results.push({ id: 'rs.metadata-members', status: 'fail', subject: source.url, message: `${member || 'the document'} ${problem}`, fix: `correct ${member || 'the document'} as RFC 9728 §2 defines it`, spec: 'RFC 9728 §2' })
  }
  if (!metadata) return { results, authorizationServers: [] }
  results.push(...evaluateProtectedResourceMetadata(url, metadata, source.url, challenge))

  const authorizationServers: ProtectedResourceChecks['authorizationServers'] = []
  for (const issuer of metadata.authorization_servers ?? []) {
    const fetched = await fetchAuthorizationServerMetadata(issuer, options)
    if (!fetched.document) {
      results.push({ id: 'rs.authorization-servers', status: 'fail', subject: issuer, message: `authorization server ${issuer} has no metadata at ${fetched.oauth.url} nor ${fetched.openid.url}`, fix: `set authorization_servers to the issuer of your authorization server (its metadata must be at ${fetched.oauth.url})`, spec: 'RFC 9728 §2' })
      continue
    }
    results.push({ id: 'rs.authorization-servers', status: 'pass', subject: issuer, message: `authorization server ${issuer} resolves (${fetched.documentUrl ?? ''})`, spec: 'RFC 9728 §2' })
    results.push(evaluateAudience(url, metadata, issuer, fetched.document))
    authorizationServers.push({ issuer, metadata: fetched })
  }
  return { results, authorizationServers }
}
