import { checkAuthorizationServer, fetchAuthorizationServerMetadata } from './authorization-server.js'
import { challengeOf, checkProtectedResource, probeResource } from './protected-resource.js'
import type { CheckResult, CheckStatus, DoctorOptions, DoctorReport, TargetKind } from './types.js'

/** The report of a list of results: counts per status, and `ok` when none failed. */
export function summarize(target: string, kind: TargetKind, checks: CheckResult[]): DoctorReport {
  const summary: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 }
  for (const check of checks) summary[check.status]++
  return { target, kind, ok: summary.fail === 0, summary, checks }
}

/**
 * Checks a deployment the way clients use it. `url` is an authorization server's issuer (its metadata
 * is found at the RFC 8414 or OpenID Connect location) or an MCP server / protected resource URL (a 401
 * naming `resource_metadata`, or metadata at `/.well-known/oauth-protected-resource{path}`), in which
 * case each of its authorization servers is checked too.
 *
 * @example
 * ```ts
 * const report = await runDoctor('http://localhost:3001/mcp', { noWrite: true })
 * if (!report.ok) console.log(formatReport(report))
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8414
 * @see https://www.rfc-editor.org/rfc/rfc9728
 */
export async function runDoctor(url: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const asMetadata = await fetchAuthorizationServerMetadata(url, options)
  if (asMetadata.document) return summarize(url, 'authorization-server', await checkAuthorizationServer(url, options, asMetadata))

  const probe = await probeResource(url, options)
  const resource = await checkProtectedResource(url, options, probe)
  const found = challengeOf(probe) !== undefined || resource.results.some((result) => result.id === 'rs.metadata' && result.status !== 'fail')
  if (!found) {
    return summarize(url, 'unknown', [{
      id: 'target', status: 'fail', subject: url,
      message: `${url} is neither an authorization server (no metadata at ${asMetadata.oauth.url} or ${asMetadata.openid.url}) nor a protected resource (no 401 Bearer challenge, no metadata at the RFC 9728 location)`,
      fix: 'give the issuer of the authorization server or the URL MCP clients connect to',
    }])
  }
  const checks = [...resource.results]
  for (const { issuer, metadata } of resource.authorizationServers) checks.push(...(await checkAuthorizationServer(issuer, options, metadata)))
  return summarize(url, 'protected-resource', checks)
}
