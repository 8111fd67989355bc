import type { Kysely, Migration } from 'kysely'

// See migrations.ts: `unknown` instead of `any`, because a migration must not depend on today's schema type.
type AnyDb = Kysely<unknown>

/**
 * Client metadata of JAR (RFC 9101 §10.5, OIDC Registration §2): `require_signed_request_object` and
 * `request_object_signing_alg`. Existing rows become what they were: unsigned requests allowed, any
 * allow-listed algorithm.
 */
export const requestObjectsMigration: Migration = {
  async up(db: AnyDb) {
    const clients = () => db.schema.alterTable('clients')
    await clients().addColumn('request_object_signing_alg', 'text').execute()
    await clients().addColumn('require_signed_request_object', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  },
}
