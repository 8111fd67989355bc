import { randomToken } from '../crypto/random.js'
import { oauthMetadataUrl, openidConfigurationUrl } from '../protocol/rfc8414/metadata.js'
import { claimsOpenIdConnect, evaluateAuthorizationServerMetadata } from './authorization-server-metadata.js'
import { doctorFetch, fetchProblem, type Fetched } from './fetch.js'
import { checkJwks } from './jwks.js'
import { checkRegistration } from './registration.js'
import type { CheckResult, DoctorOptions } from './types.js'

function objectOf(fetched: Fetched): Record<string, unknown> | undefined {
  if (fetched.kind !== 'response' || fetched.status !== 200) return undefined
  const json = fetched.json
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined
}

/** The metadata documents of `issuer` at both well-known locations; undefined members were not found. */
export interface FetchedMetadata {
  oauth: Fetched
  openid: Fetched
  /** The document the checks use: RFC 8414's, else OIDC Discovery's. */
  document?: Record<string, unknown>
  documentUrl?: string
}

/**
 * Fetches the metadata of `issuer` at the RFC 8414 §3.1 location (well-known segment inserted before the
 * issuer's path) and at the OpenID Connect Discovery §4 one (appended), as clients try them.
 */
export async function fetchAuthorizationServerMetadata(issuer: string, options: DoctorOptions): Promise<FetchedMetadata> {
  const [oauth, openid] = await Promise.all([doctorFetch(oauthMetadataUrl(issuer), {}, options), doctorFetch(openidConfigurationUrl(issuer), {}, options)])
  const fromOauth = objectOf(oauth)
  const fromOpenid = objectOf(openid)
  if (fromOauth) return { oauth, openid, document: fromOauth, documentUrl: oauth.url }
  if (fromOpenid) return { oauth, openid, document: fromOpenid, documentUrl: openid.url }
  return { oauth, openid }
}

function documentProblem(fetched: Fetched): string {
  return fetchProblem(fetched) ?? `${fetched.url} is not a JSON object`
}

/**
 * Every check of an authorization server, as clients use it: metadata at both locations, the document's
 * members, the key set, a real dynamic registration (unless `noWrite`) and client ID metadata documents.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414
 */
export async function checkAuthorizationServer(issuer: string, options: DoctorOptions, fetched?: FetchedMetadata): Promise<CheckResult[]> {
  const results = await authorizationServerResults(issuer, options, fetched)
  return results.map((result) => ({ ...result, server: issuer }))
}

async function authorizationServerResults(issuer: string, options: DoctorOptions, fetched?: FetchedMetadata): Promise<CheckResult[]> {
  const metadata = fetched ?? (await fetchAuthorizationServerMetadata(issuer, options))
  const results: CheckResult[] = []
  const oauthDocument = objectOf(metadata.oauth)
  const openidDocument = objectOf(metadata.openid)
  if (oauthDocument) {
    results.push({ id: 'as.metadata', status: 'pass', subject: metadata.oauth.url, message: `authorization server metadata found at ${metadata.oauth.url}`, spec: 'RFC 8414 §3.1' })
  } else {
    results.push({
      id: 'as.metadata', status: openidDocument ? 'warn' : 'fail', subject: metadata.oauth.url,
      message: `${documentProblem(metadata.oauth)}${openidDocument ? '; clients that only try RFC 8414 will not find the server (OpenID Connect discovery works)' : `, nor ${documentProblem(metadata.openid)}`}`,
      fix: `serve the metadata of ${issuer} at ${metadata.oauth.url} (for an issuer with a path, the well-known segment goes before the path)`,
      spec: 'RFC 8414 §3.1',
    })
  }
  if (openidDocument) {
    results.push({ id: 'as.openid-configuration', status: 'pass', subject: metadata.openid.url, message: `OpenID Connect discovery found at ${metadata.openid.url}`, spec: 'OpenID Connect Discovery §4' })
  } else if (oauthDocument && claimsOpenIdConnect(oauthDocument)) {
    results.push({ id: 'as.openid-configuration', status: 'warn', subject: metadata.openid.url, message: `${documentProblem(metadata.openid)}: OpenID Connect relying parties look there`, fix: `serve the same metadata at ${metadata.openid.url}`, spec: 'OpenID Connect Discovery §4' })
  }
  const { document, documentUrl } = metadata
  if (!document || !documentUrl) return results
  results.push(...evaluateAuthorizationServerMetadata(issuer, document, documentUrl))
  // RFC 8414 §3.3 holds for each document a client may fetch, not just the one the checks read.
  if (oauthDocument && openidDocument) {
    const other = evaluateAuthorizationServerMetadata(issuer, openidDocument, metadata.openid.url).find((result) => result.id === 'as.issuer')
    if (other && other.status !== 'pass') results.push(other)
  }
  results.push(...(await checkJwks(issuer, document, options)))
  results.push(...(await checkRegistration(issuer, document, options)))
  results.push(...(await checkClientIdMetadataDocuments(issuer, document, options)))
  return results
}

/**
 * Client ID metadata documents: reported as advertised; exercised only with a document URL, by starting
 * an authorization request with that URL as `client_id` and checking the server does not refuse it.
 *
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 */
async function checkClientIdMetadataDocuments(issuer: string, document: Readonly<Record<string, unknown>>, options: DoctorOptions): Promise<CheckResult[]> {
  const advertised = document.client_id_metadata_document_supported === true
  const id = 'as.client-id-metadata-document'
  const spec = 'draft-ietf-oauth-client-id-metadata-document'
  if (options.clientMetadataUrl === undefined) {
    return advertised ? [{ id, status: 'pass', subject: issuer, message: 'client_id_metadata_document_supported is advertised (not exercised: pass --client-metadata-url URL to try a document)', spec }] : []
  }
  const url = options.clientMetadataUrl
  if (!advertised) {
    return [{ id, status: 'fail', subject: issuer, message: 'a client metadata document was given, but the server does not advertise client_id_metadata_document_supported', fix: 'enable client ID metadata documents and set client_id_metadata_document_supported to true', spec }]
  }
  const fetched = await doctorFetch(url, {}, options)
  const client = objectOf(fetched)
  const redirectUri = Array.isArray(client?.redirect_uris) && typeof client.redirect_uris[0] === 'string' ? client.redirect_uris[0] : undefined
  if (!client || client.client_id !== url || redirectUri === undefined) {
    return [{ id, status: 'fail', subject: url, message: client ? `the document must name itself as client_id (${JSON.stringify(url)}) and list redirect_uris` : documentProblem(fetched), fix: `serve {"client_id": "${url}", "redirect_uris": [...], ...} at ${url}`, spec }]
  }
  const endpoint = document.authorization_endpoint
  if (typeof endpoint !== 'string') return [{ id, status: 'fail', subject: issuer, message: 'no authorization_endpoint to try the document at', fix: 'set authorization_endpoint', spec: 'RFC 8414 §2' }]
  const authorize = new URL(endpoint)
  // Any S256 challenge will do: the flow is never finished, so no verifier is kept.
  const challenge = randomToken(32)
  for (const [name, value] of Object.entries({ response_type: 'code', client_id: url, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 'tessera-doctor' })) {
    authorize.searchParams.set(name, value)
  }
  const answer = await doctorFetch(authorize.href, { headers: { accept: 'text/html' } }, options)
  const refused = answer.kind === 'error' || (answer.kind === 'response' && answer.status >= 400) || (answer.kind === 'redirect' && new URL(answer.location).searchParams.has('error'))
  return [refused
    ? { id, status: 'fail', subject: url, message: `the authorization endpoint refused client_id ${url}: ${answer.kind === 'response' ? `${answer.status}` : answer.kind === 'redirect' ? answer.location : answer.message}`, fix: 'check the server can fetch the document (an https URL it may reach) and that its redirect_uris include the one used', spec }
    : { id, status: 'pass', subject: url, message: `the authorization endpoint accepted client_id ${url}`, spec }]
}
