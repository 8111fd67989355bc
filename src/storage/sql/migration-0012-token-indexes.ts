import type { Kysely, Migration } from 'kysely'

// See migrations.ts: `unknown` instead of `any`, because a migration must not depend on today's schema type.
type AnyDb = Kysely<unknown>

/**
 * Drops the `client_id` indexes of `refresh_tokens` and `access_tokens`: every code exchange and refresh
 * inserts a refresh token (and, with opaque access tokens, an access token), and each index is one more
 * B-tree page written per insert (issue 20). No hot query reads by client alone: tokens are found by
 * hash (the primary key), families by `grant_id`, a user's grants for a client by `user_id` (leading
 * column of `refresh_tokens_user_id_client_id_idx`, or `access_tokens_user_id_idx`), the purge by
 * `expires_at`. Only `ClientStore.delete` filters by client alone; it now scans the two tables, once per
 * deleted client, in its one transaction.
 */
export const tokenIndexesMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.dropIndex('refresh_tokens_client_id_idx').execute()
    await db.schema.dropIndex('access_tokens_client_id_idx').execute()
  },
}
