import { parseArgs } from 'node:util'
import { dbPath, openStore, print, STORE_OPTIONS, storeUrls } from './common.js'

/** `tessera-oidc migrate`: brings the database schema up to date (opening a store migrates it), then exits. */
export async function migrateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...STORE_OPTIONS, json: { type: 'boolean' } }, strict: true })
  const target = storeUrls(values).databaseUrl ? 'PostgreSQL' : dbPath(values.db)
  // A progress line on stderr, so a migration that takes a while is not mistaken for a hang; stdout stays the result.
  process.stderr.write(`migrating ${target} …\n`)
  const store = await openStore(values)
  await store.close()
  print(values.json ?? false, { migrated: target }, `schema up to date (${target})`)
}
