#!/usr/bin/env node
import { ValidationError } from '../server/admin.js'
import { ConfigError } from '../server/config.js'
import { StorageConflictError } from '../storage/types.js'
import { auditCommand } from './audit.js'
import { COMMAND_USAGE, packageVersion, USAGE, wantsHelp } from './usage.js'
import { clientCommand } from './clients.js'
import { UsageError } from './common.js'
import { keysCommand } from './keys.js'
import { migrateCommand } from './migrate.js'
import { serveCommand } from './serve.js'
import { userCommand } from './users.js'

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  serve: serveCommand,
  client: clientCommand,
  user: userCommand,
  keys: keysCommand,
  migrate: migrateCommand,
  audit: auditCommand,
}

/** Commands that take an action first; an unknown or missing one is a usage error before any store opens. */
const ACTIONS: Readonly<Record<string, readonly string[]>> = {
  client: ['create', 'list', 'update', 'rotate-secret', 'delete'],
  user: ['create', 'list', 'update', 'delete'],
  keys: ['list', 'rotate'],
}

function exit(stream: NodeJS.WriteStream, text: string, code: number): never {
  stream.write(text.endsWith('\n') ? text : `${text}\n`)
  process.exit(code)
}

const [name, ...argv] = process.argv.slice(2)
if (name === undefined) exit(process.stderr, USAGE, 2)
if (name === '--help' || name === '-h') exit(process.stdout, USAGE, 0)
if (name === '--version' || name === '-v') exit(process.stdout, packageVersion(), 0)
if (name === 'help') {
  const topic = argv[0]
  if (topic === undefined) exit(process.stdout, USAGE, 0)
  const usage = COMMAND_USAGE[topic]
  if (!usage) exit(process.stderr, `tessera: unknown command ${JSON.stringify(topic)}\n\n${USAGE}`, 2)
  exit(process.stdout, usage, 0)
}
const command = COMMANDS[name]
if (!command) exit(process.stderr, `tessera: unknown command ${JSON.stringify(name)}\n\n${USAGE}`, 2)
if (wantsHelp(argv)) exit(process.stdout, COMMAND_USAGE[name] ?? USAGE, 0)
const actions = ACTIONS[name]
if (actions && !actions.includes(argv[0] ?? '')) {
  exit(process.stderr, `tessera ${name}: ${argv[0] === undefined ? 'which action?' : `unknown action ${JSON.stringify(argv[0])}`}\n\n${COMMAND_USAGE[name] ?? ''}`, 2)
}
command(argv).catch((error: unknown) => {
  const known = error instanceof UsageError || error instanceof ValidationError || error instanceof ConfigError || error instanceof StorageConflictError
  const isArgError = error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')
  if (known || isArgError) {
    process.stderr.write(`tessera: ${(error as Error).message}\n`)
    process.exit(2)
  }
  process.stderr.write(`tessera: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
