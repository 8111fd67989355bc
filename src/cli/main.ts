#!/usr/bin/env node
import { ValidationError } from '../server/admin.js'
import { ConfigError } from '../server/config.js'
import { StorageConflictError } from '../storage/types.js'
import { auditCommand } from './audit.js'
import { cliRegistry } from './capabilities.js'
import { clientCommand } from './clients.js'
import { UsageError } from './common.js'
import { keysCommand } from './keys.js'
import { migrateCommand } from './migrate.js'
import { serveCommand } from './serve.js'
import { userCommand } from './users.js'

const GRANTS = cliRegistry.grantTypes.join('|')
const AUTH_METHODS = [...cliRegistry.authMethods.keys()].join('|')

const USAGE = `usage: tessera <command> [options]

  serve   [--port 4000] [--host 127.0.0.1] [--issuer URL] [--db PATH]
          [--access-token-format jwt|opaque]   (env TESSERA_ACCESS_TOKEN_FORMAT)
  client  create --name NAME --redirect-uri URI... [--grant ${GRANTS}...] [--scope "..."]
                 [--auth-method ${AUTH_METHODS}] [--skip-consent] [--json]
  client  list [--json] | client delete --id CLIENT_ID
  client  update --id CLIENT_ID [--name N] [--redirect-uri URI...] [--post-logout-redirect-uri URI...]
                 [--grant ${GRANTS}...] [--scope "..."] [--id-token-alg RS256|ES256] [--skip-consent] [--json]
  client  rotate-secret --id CLIENT_ID [--json]
  user    create --username U --password P [--name N] [--email E] [--json]
  user    update --id SUB | --username U [--password P] [--name N] [--email E] [--json]
  user    list [--json] | user delete --id SUB | --username U
  keys    list [--json] | keys rotate
  migrate                                   bring the database schema up to date
  audit   [--since 1h|ISO] [--until 1h|ISO] [--type TYPE...] [--user U] [--client ID] [--limit 50] [--json]

Every command takes --db PATH (SQLite, default ./data/tessera.db, env TESSERA_DB), or
--database-url URL (PostgreSQL, env DATABASE_URL) with optional --redis-url URL (env REDIS_URL).
An explicit --db wins over DATABASE_URL/REDIS_URL in the environment.
`

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  serve: serveCommand,
  client: clientCommand,
  user: userCommand,
  keys: keysCommand,
  migrate: migrateCommand,
  audit: auditCommand,
}

const [name, ...argv] = process.argv.slice(2)
const command = name === undefined ? undefined : COMMANDS[name]
if (!command) {
  process.stderr.write(USAGE)
  process.exit(name === undefined || name === 'help' || name === '--help' ? 0 : 2)
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
