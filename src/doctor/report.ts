import type { CheckStatus, DoctorReport } from './types.js'

const LABEL: Readonly<Record<CheckStatus, string>> = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' }

/**
 * The report as the terminal shows it: one line per check grouped by subject, the fix under each
 * warning or failure, and a closing count.
 *
 * @example
 * ```ts
 * process.stdout.write(formatReport(await runDoctor(url)))
 * ```
 */
export function formatReport(report: DoctorReport): string {
  const kind = { 'authorization-server': 'authorization server', 'protected-resource': 'protected resource (MCP server)', unknown: 'unknown target' }[report.kind]
  const lines = [`tessera-oidc doctor ${report.target}: ${kind}`, '']
  const width = Math.max(...report.checks.map((check) => check.id.length))
  let server: string | undefined
  for (const check of report.checks) {
    const owner = check.server ?? check.subject
    if (owner !== server) {
      server = owner
      const what = check.id.startsWith('as.') ? 'authorization server' : check.id.startsWith('rs.') ? 'protected resource' : 'target'
      lines.push(`${lines.length > 2 ? '\n' : ''}${what} ${owner}`)
    }
    lines.push(`  ${LABEL[check.status]}  ${check.id.padEnd(width)}  ${check.message}${check.spec ? ` [${check.spec}]` : ''}`)
    if (check.fix && (check.status === 'fail' || check.status === 'warn')) lines.push(`        ${' '.repeat(width)}  fix: ${check.fix}`)
  }
  const { pass, warn, fail, skip } = report.summary
  lines.push('', `${pass} passed, ${warn} warnings, ${fail} failed${skip > 0 ? `, ${skip} skipped` : ''}`)
  return `${lines.join('\n')}\n`
}
