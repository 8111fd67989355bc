import type { Kysely, Migration } from 'kysely'

// See migrations.ts: `unknown` instead of `any`, because a migration must not depend on today's schema type.
type AnyDb = Kysely<unknown>

/** The tables this migration reads and writes, as they are at this point of the history. */
type Tables = {
  login_sessions: { id_hash: string; sid: string; user_id: string; auth_time: number | string; created_at: number | string; expires_at: number | string }
  records: {
    kind: string
    key: string
    value: string
    subject: string | null
    client_id: string | null
    expires_at: number
    consumed_at: number | null
    revision: number
  }
}

/** Sessions copied per statement: far below PostgreSQL's 65,535 bound parameters. */
const BATCH = 500

/**
 * One `records` table for every short-lived kind (`RecordStore`), replacing `authorization_codes`,
 * `interactions` and `login_sessions`. No foreign keys: a kind's owner may be a user, a client or
 * nobody, and `ClientStore.delete` / `UserStore.delete` delete by `client_id` / `subject` in their
 * transaction. Indexes serve the lookups by key (the primary key), the deletion by owner and the purge.
 *
 * Login sessions live for hours or days: they are copied, so nobody is logged out by the upgrade (as the
 * `session` kind stores them, see ../kinds/sessions.ts). Codes and interactions live for minutes and are
 * dropped: a login or code exchange in flight during the upgrade starts over.
 */
export const recordsMigration: Migration = {
  async up(anyDb: AnyDb) {
    const db = anyDb.withTables<Tables>()
    await db.schema
      .createTable('records')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('client_id', 'text')
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('consumed_at', 'bigint')
      .addColumn('revision', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('records_pkey', ['kind', 'key'])
      .execute()
    for (const columns of [['subject'], ['client_id'], ['expires_at']]) {
      await db.schema.createIndex(`records_${columns.join('_')}_idx`).on('records').columns(columns).execute()
    }

    let after = ''
    for (;;) {
      const sessions = await db.selectFrom('login_sessions').selectAll().where('id_hash', '>', after).orderBy('id_hash').limit(BATCH).execute()
      if (sessions.length === 0) break
      await db
        .insertInto('records')
        .values(sessions.map((s) => {
          const session = { id_hash: s.id_hash, sid: s.sid, user_id: s.user_id, auth_time: Number(s.auth_time), created_at: Number(s.created_at), expires_at: Number(s.expires_at) }
          return { kind: 'session', key: s.id_hash, value: JSON.stringify(session), subject: s.user_id, client_id: null, expires_at: session.expires_at, consumed_at: null, revision: 0 }
        }))
        .execute()
      after = sessions[sessions.length - 1]?.id_hash ?? after
    }

    for (const table of ['authorization_codes', 'interactions', 'login_sessions']) await db.schema.dropTable(table).execute()
  },
}
