import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import { auditMigration } from './migration-0003-audit.js'
import { accessTokensMigration } from './migration-0004-access-tokens.js'
import { recordsMigration } from './migration-0005-records.js'
import { clientRegistrationMigration } from './migration-0006-client-registration.js'
import { clientStatusMigration } from './migration-0007-client-status.js'
import { clientReferencesMigration } from './migration-0008-client-references.js'
import { clientKeysMigration } from './migration-0009-client-keys.js'
import { requestObjectsMigration } from './migration-0010-request-objects.js'
import { userStatusMigration } from './migration-0011-user-status.js'
import { tokenIndexesMigration } from './migration-0012-token-indexes.js'

/**
 * Schema migrations, in code so they ship inside the package (no migration folder to locate at run
 * time). Written with Kysely's schema builder only, so the same steps run on SQLite and PostgreSQL.
 * Never edit a released migration: add a new one.
 *
 * Foreign keys reference the owning client and user without `ON DELETE CASCADE`: `ClientStore.delete`
 * and `UserStore.delete` delete the dependent rows explicitly in one transaction (see `clients.ts`,
 * `users.ts`), and the constraints make sure a row saved concurrently for a deleted owner fails instead
 * of being left orphaned. Since 0008, tokens and consents reference their client by id only (a client
 * known by its metadata document is never stored), so that guarantee holds for users only.
 */

// Kysely's `Migration` takes `Kysely<any>` because a migration must not depend on today's `Database`
// type; `unknown` says the same without `any`.
type AnyDb = Kysely<unknown>

const initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('clients')
      .addColumn('client_id', 'text', (c) => c.primaryKey())
      .addColumn('client_secret_hash', 'text')
      .addColumn('client_name', 'text', (c) => c.notNull())
      .addColumn('redirect_uris', 'text', (c) => c.notNull())
      .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
      .addColumn('grant_types', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
      .addColumn('id_token_signed_response_alg', 'text', (c) => c.notNull())
      .addColumn('skip_consent', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('given_name', 'text')
      .addColumn('family_name', 'text')
      .addColumn('email', 'text')
      .addColumn('email_verified', 'integer', (c) => c.notNull())
      .addColumn('picture', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('authorization_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('resource', 'text')
      .addColumn('nonce', 'text')
      .addColumn('code_challenge', 'text', (c) => c.notNull())
      .addColumn('code_challenge_method', 'text', (c) => c.notNull())
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('session_id', 'text')
      .addColumn('grant_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('consumed_at', 'bigint')
      .execute()
    await index(db, 'authorization_codes', ['user_id', 'client_id'])
    await index(db, 'authorization_codes', ['client_id'])
    await index(db, 'authorization_codes', ['expires_at'])

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('grant_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('resource', 'text')
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('session_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('consumed_at', 'bigint')
      .execute()
    await index(db, 'refresh_tokens', ['grant_id'])
    await index(db, 'refresh_tokens', ['user_id', 'client_id'])
    await index(db, 'refresh_tokens', ['client_id'])
    await index(db, 'refresh_tokens', ['expires_at'])

    await db.schema
      .createTable('revoked_grants')
      .addColumn('grant_id', 'text', (c) => c.primaryKey())
      .addColumn('until', 'bigint', (c) => c.notNull())
      .execute()
    await index(db, 'revoked_grants', ['until'])

    await db.schema
      .createTable('revoked_tokens')
      .addColumn('jti', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    await index(db, 'revoked_tokens', ['expires_at'])

    await db.schema
      .createTable('consents')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id'))
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      // The key's leading user_id also serves `listByUser`.
      .addPrimaryKeyConstraint('consents_pkey', ['user_id', 'client_id'])
      .execute()
    await index(db, 'consents', ['client_id'])

    await db.schema
      .createTable('login_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('sid', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    await index(db, 'login_sessions', ['user_id'])
    await index(db, 'login_sessions', ['expires_at'])

    // No foreign key on user_id: the interaction belongs to the browser, and the server looks the user
    // up again when it completes.
    await db.schema
      .createTable('interactions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('browser_binding_hash', 'text', (c) => c.notNull())
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('auth_time', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    await index(db, 'interactions', ['expires_at'])

    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('private_key_encrypted', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('retired_at', 'bigint')
      .addColumn('expires_at', 'bigint')
      .execute()

    await db.schema
      .createTable('meta')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'bigint', (c) => c.notNull())
      .execute()
  },

  async down(db: AnyDb) {
    const tables = [
      'meta', 'signing_keys', 'interactions', 'login_sessions', 'consents', 'revoked_tokens',
      'revoked_grants', 'refresh_tokens', 'authorization_codes', 'users', 'clients',
    ]
    for (const table of tables) await db.schema.dropTable(table).execute()
  },
}

function index(db: AnyDb, table: string, columns: string[]): Promise<void> {
  return db.schema.createIndex(`${table}_${columns.join('_')}_idx`).on(table).columns(columns).execute()
}

/** Every migration, keyed by a name that sorts in the order they must run. */
// The demo API's notes. `owner` is a token subject (a user id or, for client credentials, a client
// id), so it references nothing.
const notes: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('notes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('notes_owner_idx').on('notes').columns(['owner', 'created_at']).execute()
  },
}

const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_notes': notes,
  '0003_audit': auditMigration,
  '0004_access_tokens': accessTokensMigration,
  '0005_records': recordsMigration,
  '0006_client_registration': clientRegistrationMigration,
  '0007_client_status': clientStatusMigration,
  '0008_client_references': clientReferencesMigration,
  '0009_client_keys': clientKeysMigration,
  '0010_request_objects': requestObjectsMigration,
  '0011_user_status': userStatusMigration,
  '0012_token_indexes': tokenIndexesMigration,
}

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
}

/**
 * Brings the schema up to date; a database that is already current is left as is. Throws the first
 * failure (Kysely's `Migrator` reports errors as values).
 *
 * @example await migrateToLatest(db)
 * @see https://kysely.dev/docs/migrations
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<void> {
  const { error } = await new Migrator({ db, provider }).migrateToLatest()
  if (error !== undefined) {
    throw error instanceof Error ? error : new Error(`storage migration failed: ${String(error)}`)
  }
}

/**
 * Brings the schema up to `target` (a key of the migrations above) and no further: how tests build a
 * database as an older release left it, to check that the next migrations keep its data.
 *
 * @example await migrateTo(db, '0004_access_tokens')
 */
export async function migrateTo<DB>(db: Kysely<DB>, target: string): Promise<void> {
  const { error } = await new Migrator({ db, provider }).migrateTo(target)
  if (error !== undefined) {
    throw error instanceof Error ? error : new Error(`storage migration failed: ${String(error)}`)
  }
}
