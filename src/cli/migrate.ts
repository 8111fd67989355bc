import { parseArgs } from 'node:util'
import { dbPath, openStore, print, STORE_OPTIONS, storeUrls } from './common.js'

/** `tessera migrate`: brings the database schema up to date (opening a store migrates it), then exits. */
export async function migrateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...STORE_OPTIONS, json: { type: 'boolean' } }, strict: true })
  const store = await openStore(values)
  await store.close()
  const target = storeUrls(values).databaseUrl ? 'PostgreSQL' : dbPath(values.db)
  print(values.json ?? false, { migrated: target }, `schema up to date (${target})`)
}
