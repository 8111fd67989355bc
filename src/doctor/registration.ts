import { doctorFetch, fetchProblem } from './fetch.js'
import type { CheckResult, DoctorOptions } from './types.js'

/** What a native MCP client registers: a public client with a loopback redirect (RFC 8252 §7.3). */
const THROWAWAY_CLIENT = {
  client_name: 'tessera-oidc doctor (throwaway, deleted at once)',
  redirect_uris: ['http://127.0.0.1/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
}

function errorOf(json: unknown): string {
  if (typeof json !== 'object' || json === null) return ''
  const { error, error_description: description } = json as { error?: unknown; error_description?: unknown }
  return typeof error === 'string' ? ` (${error}${typeof description === 'string' ? `: ${description}` : ''})` : ''
}

/**
 * Registers a throwaway client the way an MCP client does (RFC 7591 §3.1), then deletes it through its
 * configuration endpoint (RFC 7592 §2.3) when the server returned one. Skipped with `noWrite`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */
export async function checkRegistration(issuer: string, document: Readonly<Record<string, unknown>>, options: DoctorOptions): Promise<CheckResult[]> {
  const endpoint = document.registration_endpoint
  if (typeof endpoint !== 'string') return []
  if (options.noWrite) {
    return [{ id: 'as.registration', status: 'skip', subject: endpoint, message: 'registration_endpoint is advertised; not exercised (--no-write)', spec: 'RFC 7591 §3' }]
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.registrationToken !== undefined) headers.authorization = `Bearer ${options.registrationToken}`
  const fetched = await doctorFetch(endpoint, { method: 'POST', headers, body: JSON.stringify(THROWAWAY_CLIENT) }, options)
  const spec = 'RFC 7591 §3'
  if (fetched.kind !== 'response') {
    return [{ id: 'as.registration', status: 'fail', subject: endpoint, message: fetchProblem(fetched) ?? '', fix: `serve dynamic registration at ${endpoint}, or remove registration_endpoint from the metadata`, spec }]
  }
  if ((fetched.status === 401 || fetched.status === 403) && options.registrationToken === undefined) {
    return [{
      id: 'as.registration', status: 'warn', subject: endpoint,
      message: `registration requires an initial access token (${fetched.status}${errorOf(fetched.json)}): clients without one cannot register`,
      fix: 'pass --registration-token TOKEN to exercise it (tessera-oidc registration token create), or open registration to MCP clients (tessera-oidc serve --registration open)',
      spec,
    }]
  }
  const client = typeof fetched.json === 'object' && fetched.json !== null ? (fetched.json as Record<string, unknown>) : {}
  if (fetched.status !== 201 || typeof client.client_id !== 'string') {
    return [{
      id: 'as.registration', status: 'fail', subject: endpoint,
      message: `registering a public client with redirect URI http://127.0.0.1/callback answered ${fetched.status}${errorOf(fetched.json)}${fetched.status === 201 ? ' without a client_id' : ''}`,
      fix: fetched.status === 401 || fetched.status === 403
        ? 'check the initial access token given with --registration-token'
        : 'accept public clients (token_endpoint_auth_method none) with loopback redirect URIs at the registration endpoint, answering 201 with client_id',
      spec,
    }]
  }
  const results: CheckResult[] = [{ id: 'as.registration', status: 'pass', subject: endpoint, message: `a public client with a loopback redirect registered (client_id ${client.client_id})`, spec }]
  const configurationUri = client.registration_client_uri
  const accessToken = client.registration_access_token
  if (typeof configurationUri !== 'string' || typeof accessToken !== 'string') {
    results.push({
      id: 'as.registration-delete', status: 'warn', subject: endpoint,
      message: `no registration_client_uri and registration_access_token returned: the throwaway client ${client.client_id} stays registered`,
      fix: `delete client ${client.client_id} by hand (tessera-oidc client delete --id ${client.client_id})`,
      spec: 'RFC 7592 §3',
    })
    return results
  }
  const deleted = await doctorFetch(configurationUri, { method: 'DELETE', headers: { authorization: `Bearer ${accessToken}` } }, options)
  const problem = fetchProblem(deleted, 204)
  results.push(problem === undefined
    ? { id: 'as.registration-delete', status: 'pass', subject: configurationUri, message: `the throwaway client ${client.client_id} was deleted`, spec: 'RFC 7592 §2.3' }
    : {
        id: 'as.registration-delete', status: 'fail', subject: configurationUri,
        message: `deleting the throwaway client with its registration access token failed: ${problem}${deleted.kind === 'response' ? errorOf(deleted.json) : ''}`,
        fix: `answer DELETE on registration_client_uri with 204 (RFC 7592 §2.3); delete client ${client.client_id} by hand`,
        spec: 'RFC 7592 §2.3',
      })
  return results
}
