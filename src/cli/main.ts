#!/usr/bin/env node
import { commandUsage, packageVersion, USAGE, wantsHelp } from './usage.js'

type Command = (argv: string[]) => Promise<void>

// Loaded on use: `--help` and `--version` answer without loading the server, and each command loads only its own modules.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  client: async () => (await import('./clients.js')).clientCommand,
  user: async () => (await import('./users.js')).userCommand,
  keys: async () => (await import('./keys.js')).keysCommand,
  secret: async () => (await import('./secret.js')).secretCommand,
  config: async () => (await import('./config.js')).configCommand,
  migrate: async () => (await import('./migrate.js')).migrateCommand,
  audit: async () => (await import('./audit.js')).auditCommand,
  registration: async () => (await import('./registration.js')).registrationCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
  resource: async () => (await import('./resources.js')).resourceCommand,
}

/** Commands that take an action first; an unknown or missing one is a usage error before any store opens. */
const ACTIONS: Readonly<Record<string, readonly string[]>> = {
  client: ['create', 'list', 'update', 'rotate-secret', 'disable', 'enable', 'delete'],
  user: ['create', 'list', 'update', 'delete', 'sessions', 'mfa'],
  keys: ['list', 'rotate'],
  secret: ['rotate'],
  config: ['check', 'schema'],
  registration: ['token'],
  resource: ['create', 'list', 'delete'],
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
  const usage = await commandUsage(topic)
  if (!usage) exit(process.stderr, `tessera-oidc: unknown command ${JSON.stringify(topic)}\n\n${USAGE}`, 2)
  exit(process.stdout, usage, 0)
}
const load = COMMANDS[name]
if (!load) exit(process.stderr, `tessera-oidc: unknown command ${JSON.stringify(name)}\n\n${USAGE}`, 2)
if (wantsHelp(argv)) exit(process.stdout, (await commandUsage(name)) ?? USAGE, 0)
const actions = ACTIONS[name]
if (actions && !actions.includes(argv[0] ?? '')) {
  exit(process.stderr, `tessera-oidc ${name}: ${argv[0] === undefined ? 'which action?' : `unknown action ${JSON.stringify(argv[0])}`}\n\n${(await commandUsage(name)) ?? ''}`, 2)
}
try {
  await (await load())(argv)
} catch (error: unknown) {
  // Loaded only now, like the commands: these classes come with the server's modules.
  const [{ ValidationError }, { ConfigError }, { StorageConflictError }, { UsageError }, { ConfigFileError }, { MissingDependencyError }] = await Promise.all([
    import('../server/admin.js'), import('../server/config.js'), import('../storage/types.js'), import('./common.js'), import('../standalone/config-file.js'),
    import('../crypto/optional-module.js'),
  ])
  // Not a usage error: the command was right, the installation lacks an optional peer (the message names it).
  if (error instanceof MissingDependencyError) {
    process.stderr.write(`tessera-oidc: ${error.message}\n`)
    process.exit(1)
  }
  const known = error instanceof UsageError || error instanceof ValidationError || error instanceof ConfigError || error instanceof StorageConflictError || error instanceof ConfigFileError
  const isArgError = error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')
  if (known || isArgError) {
    process.stderr.write(`tessera-oidc: ${(error as Error).message}\n`)
    process.exit(2)
  }
  process.stderr.write(`tessera-oidc: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
}
