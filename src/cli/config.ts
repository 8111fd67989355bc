import { parseArgs } from 'node:util'
import { configJsonSchema, loadConfigFile } from '../standalone/config-file.js'
import { print, UsageError } from './common.js'

/** `tessera-oidc config check FILE` and `tessera-oidc config schema`. Neither opens a database. */
export async function configCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv
  const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true })
  if (action === 'schema') {
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`)
    return
  }
  const [file, ...extra] = positionals
  if (file === undefined || extra.length > 0) throw new UsageError('usage: tessera-oidc config check FILE [--json]')
  // A ConfigFileError lists every problem by key; main prints it and exits 2.
  const config = loadConfigFile(file)
  const resources = config.resources ?? []
  print(values.json ?? false, { ok: true, file, resources: resources.map((resource) => resource.identifier) }, [
    `${file}: valid`,
    resources.length === 0 ? '  no APIs under resources: tokens will name only the issuer as audience' : `  APIs: ${resources.map((resource) => resource.identifier).join(', ')}`,
  ].join('\n'))
}
