import { parseArgs } from 'node:util'
import { formatReport, runDoctor, type DoctorOptions } from '../doctor/index.js'
import { UsageError } from './common.js'

const USAGE = 'usage: tessera-oidc doctor <url> [--json] [--no-write] [--registration-token TOKEN] [--client-metadata-url URL] [--timeout MS]'

/**
 * `tessera-oidc doctor <url>`: checks an authorization server (its issuer) or an MCP server (its URL) as
 * clients use it and prints a report with a fix for every failure. Exit code 0 without failures, 1 with.
 */
export async function doctorCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      'registration-token': { type: 'string' },
      'client-metadata-url': { type: 'string' },
      timeout: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  })
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? `which URL? ${USAGE}` : `one URL only. ${USAGE}`)
  const url = positionals[0] ?? ''
  if (!isHttpUrl(url)) throw new UsageError(`${JSON.stringify(url)} is not an http(s) URL. ${USAGE}`)
  if (values['client-metadata-url'] !== undefined && !isHttpUrl(values['client-metadata-url'])) throw new UsageError('--client-metadata-url must be an http(s) URL')
  let timeoutMs: number | undefined
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout)
    if (!/^\d{1,6}$/.test(values.timeout) || timeoutMs < 1) throw new UsageError('--timeout must be a number of milliseconds, such as 5000')
  }
  const options: DoctorOptions = {
    noWrite: values['no-write'] ?? false,
    ...(values['registration-token'] !== undefined ? { registrationToken: values['registration-token'] } : {}),
    ...(values['client-metadata-url'] !== undefined ? { clientMetadataUrl: values['client-metadata-url'] } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  }
  const report = await runDoctor(url, options)
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report))
  process.exitCode = report.ok ? 0 : 1
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:'
  } catch {
    return false
  }
}
