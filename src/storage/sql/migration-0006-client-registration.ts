import type { Kysely, Migration } from 'kysely'

// See migrations.ts: `unknown` instead of `any`, because a migration must not depend on today's schema type.
type AnyDb = Kysely<unknown>

/**
 * Client metadata of RFC 7591 §2 and OpenID Connect Registration §2 (`application_type`, the display URIs,
 * `contacts`), who registered the client, the SHA-256 of its RFC 7592 registration access token and the
 * deadline of an unused dynamically registered client. One `ALTER TABLE` per column: SQLite adds one at a
 * time. Existing rows become what they were: operator-registered web clients without display metadata.
 */
export const clientRegistrationMigration: Migration = {
  async up(db: AnyDb) {
    const clients = () => db.schema.alterTable('clients')
    await clients().addColumn('application_type', 'text', (c) => c.notNull().defaultTo('web')).execute()
    await clients().addColumn('client_uri', 'text').execute()
    await clients().addColumn('logo_uri', 'text').execute()
    await clients().addColumn('policy_uri', 'text').execute()
    await clients().addColumn('tos_uri', 'text').execute()
    await clients().addColumn('contacts', 'text', (c) => c.notNull().defaultTo('[]')).execute()
    await clients().addColumn('registered_by', 'text', (c) => c.notNull().defaultTo('operator')).execute()
    await clients().addColumn('registration_access_token_hash', 'text').execute()
    await clients().addColumn('expires_at', 'bigint').execute()
    // The purge of unused dynamic clients looks them up by deadline.
    await db.schema.createIndex('clients_expires_at_idx').on('clients').column('expires_at').execute()
  },
}
