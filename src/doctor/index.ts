/**
 * `tessera-oidc/doctor`: checks an OAuth deployment the way clients use it — an authorization server's
 * metadata, key set and registration, or an MCP server's challenge, RFC 9728 metadata and authorization
 * servers — and reports each finding with a fix. The library behind `tessera-oidc doctor <url>`.
 *
 * @example
 * ```ts
 * import { formatReport, runDoctor } from 'tessera-oidc/doctor'
 * const report = await runDoctor('https://mcp.example.com/mcp', { noWrite: true })
 * process.stdout.write(formatReport(report))
 * ```
 *
 * @module tessera-oidc/doctor
 */
export { runDoctor, summarize } from './run.js'
export { formatReport } from './report.js'
export { checkAuthorizationServer, fetchAuthorizationServerMetadata, type FetchedMetadata } from './authorization-server.js'
export { evaluateAuthorizationServerMetadata } from './authorization-server-metadata.js'
export { checkJwks, evaluateJwks } from './jwks.js'
export { checkRegistration } from './registration.js'
export { checkProtectedResource, evaluateAudience, evaluateProtectedResourceMetadata, type ProtectedResourceChecks } from './protected-resource.js'
export type { CheckResult, CheckStatus, DoctorOptions, DoctorReport, TargetKind } from './types.js'
