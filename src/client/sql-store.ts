import { sql, type ColumnType, type Kysely, type Selectable } from 'kysely'
import { randomToken } from '../crypto/random.js'
import type { RefreshLease, RelyingPartyStore, SessionRecord, TransactionRecord } from './store.js'

/**
 * The one Kysely implementation of `RelyingPartyStore`, shared by SQLite (./sqlite-store.ts) and PostgreSQL
 * (./postgres-store.ts): the same tables, the same statements, only the Kysely dialect differs.
 */

/**
 * Unix seconds in a `bigint` column: a 32-bit `integer` ends in 2038 on PostgreSQL (SQLite's INTEGER is
 * 64-bit whatever the declared name). node-postgres returns `int8` as a string, to avoid precision loss,
 * so reads are typed `number | string` and go through `toSeconds`.
 */
type Seconds = ColumnType<number | string, number, number>

interface TransactionsTable {
  key: string
  provider: string
  sealed: string
  created_at: Seconds
  expires_at: Seconds
}

interface SessionsTable {
  key: string
  provider: string
  issuer: string
  subject: string
  user: string
  tokens: string
  /** Added after the first release: `ALTER TABLE` adds it, with 0, to tables created before. */
  tokens_version: ColumnType<number | string, number | undefined, number>
  created_at: Seconds
  updated_at: Seconds
  expires_at: Seconds
}

/**
 * A session's provider session id (Back-Channel Logout §2.4 `sid`), in a table of its own so that tables
 * created by earlier versions need no change: created beside them when missing.
 */
interface SessionSidsTable {
  key: string
  issuer: string
  sid: string
  expires_at: Seconds
}

/** Logout tokens acted on, by a hash of issuer and `jti`, until they expire. */
interface LogoutTokensTable {
  key: string
  expires_at: Seconds
}

/**
 * A session's refresh lease (issue 21): one row per session being refreshed, its holder's random fencing
 * value and its end in epoch milliseconds. A row rather than a lock held in an open transaction: no pooled
 * connection stays checked out across the provider's token request, the same statements serve SQLite and
 * PostgreSQL, and a lease ends at `expires_at` even when the connection of a holder that died is not
 * noticed as broken (a half-open TCP connection keeps a PostgreSQL row lock until keepalive gives up).
 */
interface RefreshLeasesTable {
  key: string
  holder: string
  expires_at: ColumnType<number | string, number, number>
}

/** Kysely typing of the relying party's tables; the records of ./store.ts come out of `toTransaction`/`toSession`. */
export interface ClientDatabase {
  rp_transactions: TransactionsTable
  rp_sessions: SessionsTable
  rp_session_sids: SessionSidsTable
  rp_logout_tokens: LogoutTokensTable
  rp_refresh_leases: RefreshLeasesTable
}

const toSeconds = (value: number | string): number => Number(value)

// Every column is named instead of spreading the row or the record: a caller's object with extra
// properties then cannot become an unknown-column error, and a row never leaks driver types.
function toTransaction(row: Selectable<TransactionsTable>): TransactionRecord {
  return { key: row.key, provider: row.provider, sealed: row.sealed, created_at: toSeconds(row.created_at), expires_at: toSeconds(row.expires_at) }
}

function toSession(row: Selectable<SessionsTable> & { sid?: string | null }): SessionRecord {
  return {
    ...(row.sid ? { sid: row.sid } : {}),
    key: row.key,
    provider: row.provider,
    issuer: row.issuer,
    subject: row.subject,
    user: row.user,
    tokens: row.tokens,
    tokens_version: Number(row.tokens_version),
    created_at: toSeconds(row.created_at),
    updated_at: toSeconds(row.updated_at),
    expires_at: toSeconds(row.expires_at),
  }
}

// PostgreSQL's CREATE TABLE/INDEX IF NOT EXISTS checks the catalog before inserting into it, so two
// instances starting at once can both pass the check: the loser fails with 23505 (unique violation on
// pg_type/pg_class), 42710 (type already exists), 42P07 (relation already exists) or 42701 (column
// already exists, the `tokens_version` added to an older table). By then the winner has committed that
// object, and running the statements again skips it. Each failure is one of the eight objects (five
// tables, two indexes, one column) created by someone else, so nine attempts always suffice. SQLite
// serializes DDL under its write lock, but two processes can both find the column missing before either
// adds it: the second gets "duplicate column name".
const CONCURRENT_CREATE_CODES = new Set(['23505', '42710', '42P07', '42701'])
const CREATE_ATTEMPTS = 9

function isConcurrentCreate(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  if ('code' in error && typeof error.code === 'string' && CONCURRENT_CREATE_CODES.has(error.code)) return true
  return error instanceof Error && /duplicate column name/i.test(error.message)
}

async function createTablesOnce(db: Kysely<ClientDatabase>): Promise<void> {
  await db.schema
    .createTable('rp_transactions')
    .ifNotExists()
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('rp_sessions')
    .ifNotExists()
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user', 'text', (c) => c.notNull())
    .addColumn('tokens', 'text', (c) => c.notNull())
    .addColumn('tokens_version', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  // Probed with the table as the connection sees it (search_path), which introspection of every schema is not.
  const missingVersion = await db.selectFrom('rp_sessions').select('tokens_version').limit(1).execute().then(
    () => false,
    (error: unknown) => {
      if (error instanceof Error && /tokens_version/.test(error.message)) return true
      throw error
    },
  )
  if (missingVersion) await db.schema.alterTable('rp_sessions').addColumn('tokens_version', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
  await db.schema.createIndex('rp_sessions_identity').ifNotExists().on('rp_sessions').columns(['issuer', 'subject']).execute()
  await db.schema
    .createTable('rp_session_sids')
    .ifNotExists()
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('sid', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('rp_session_sids_sid').ifNotExists().on('rp_session_sids').columns(['issuer', 'sid']).execute()
  await db.schema
    .createTable('rp_logout_tokens')
    .ifNotExists()
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('rp_refresh_leases')
    .ifNotExists()
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
}

/**
 * Creates `rp_transactions` and `rp_sessions` when missing; safe to run from several instances at once.
 *
 * @example await createClientTables(db)
 */
export async function createClientTables(db: Kysely<ClientDatabase>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createTablesOnce(db)
    } catch (error) {
      if (attempt >= CREATE_ATTEMPTS || !isConcurrentCreate(error)) throw error
    }
  }
}

/**
 * Creates the tables on `db` and returns a `RelyingPartyStore` on them; `close()` destroys `db`, and so does a
 * failure to create the tables.
 *
 * @example const store = await openSqlClientStore(new Kysely<ClientDatabase>({ dialect }))
 * @see ./store.ts for the contract
 */
export async function openSqlClientStore(db: Kysely<ClientDatabase>): Promise<RelyingPartyStore> {
  try {
    await createClientTables(db)
  } catch (error) {
    await db.destroy()
    throw error
  }
  return createSqlClientStore(db)
}

function createSqlClientStore(db: Kysely<ClientDatabase>): RelyingPartyStore {
  return {
    transactions: {
      async save(record) {
        const { key, provider, sealed, created_at, expires_at } = record
        await db.insertInto('rp_transactions').values({ key, provider, sealed, created_at, expires_at }).execute()
      },
      // One DELETE … RETURNING statement: under SQLite's write lock, and in PostgreSQL the row lock makes a
      // concurrent DELETE wait and then find nothing, so exactly one caller gets the row (RFC 6749 §10.12).
      async consume(key) {
        const row = await db.deleteFrom('rp_transactions').where('key', '=', key).returningAll().executeTakeFirst()
        return row && toTransaction(row)
      },
    },
    sessions: {
      async save(record) {
        const { key, provider, issuer, subject, user, tokens, created_at, updated_at, expires_at } = record
        const tokens_version = record.tokens_version ?? 0
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('rp_sessions').values({ key, provider, issuer, subject, user, tokens, tokens_version, created_at, updated_at, expires_at }).execute()
          if (record.sid) await trx.insertInto('rp_session_sids').values({ key, issuer, sid: record.sid, expires_at }).execute()
        })
      },
      async get(key, now) {
        const row = await db
          .selectFrom('rp_sessions')
          .leftJoin('rp_session_sids', 'rp_session_sids.key', 'rp_sessions.key')
          .selectAll('rp_sessions')
          .select('rp_session_sids.sid')
          .where('rp_sessions.key', '=', key)
          .where('rp_sessions.expires_at', '>', now)
          .executeTakeFirst()
        return row && toSession(row)
      },
      // UPDATE … WHERE key: a session deleted meanwhile (logout on another instance) stays deleted.
      async updateTokens(key, tokens, now) {
        await db.updateTable('rp_sessions').set({ tokens, tokens_version: sql<number>`${sql.ref('tokens_version')} + 1`, updated_at: now }).where('key', '=', key).execute()
      },
      // One UPDATE … WHERE tokens_version = version: PostgreSQL's row lock makes a concurrent one wait and
      // then re-check the condition on the new row (READ COMMITTED), and SQLite runs it under its write
      // lock, so of two writers starting from one version exactly one succeeds.
      async replaceTokens(key, tokens, version, now) {
        const result = await db.updateTable('rp_sessions').set({ tokens, tokens_version: version + 1, updated_at: now })
          .where('key', '=', key).where('tokens_version', '=', version).executeTakeFirst()
        return Number(result.numUpdatedRows) === 1
      },
      // One INSERT … ON CONFLICT DO UPDATE … WHERE the present lease has expired: atomic in both databases,
      // so of concurrent callers one gets a row back (inserted or taken over) and the others none.
      async refreshLease(key, ttlMs): Promise<RefreshLease | undefined> {
        const holder = randomToken(16)
        const now = Date.now()
        const row = await db.insertInto('rp_refresh_leases').values({ key, holder, expires_at: now + ttlMs })
          .onConflict((c) => c.column('key').doUpdateSet({ holder, expires_at: now + ttlMs }).where('rp_refresh_leases.expires_at', '<=', now))
          .returning('holder').executeTakeFirst()
        if (row?.holder !== holder) return undefined
        return {
          release: async () => {
            await db.deleteFrom('rp_refresh_leases').where('key', '=', key).where('holder', '=', holder).execute()
          },
        }
      },
      async touch(key, now) {
        await db.updateTable('rp_sessions').set({ updated_at: now }).where('key', '=', key).execute()
      },
      async delete(key) {
        await db.deleteFrom('rp_sessions').where('key', '=', key).execute()
        await db.deleteFrom('rp_session_sids').where('key', '=', key).execute()
      },
      async endByProviderSession(issuer, match) {
        const { sid, subject } = match
        if (sid === undefined && subject === undefined) return 0
        return db.transaction().execute(async (trx) => {
          let query = trx.selectFrom('rp_sessions').select('rp_sessions.key').where('rp_sessions.issuer', '=', issuer)
          if (sid !== undefined) query = query.innerJoin('rp_session_sids', 'rp_session_sids.key', 'rp_sessions.key').where('rp_session_sids.sid', '=', sid)
          if (subject !== undefined) query = query.where('rp_sessions.subject', '=', subject)
          const keys = (await query.execute()).map((row) => row.key)
          if (keys.length === 0) return 0
          await trx.deleteFrom('rp_sessions').where('key', 'in', keys).execute()
          await trx.deleteFrom('rp_session_sids').where('key', 'in', keys).execute()
          return keys.length
        })
      },
    },
    logoutTokens: {
      // INSERT … ON CONFLICT DO NOTHING: one statement, so of two instances given the same token one inserts.
      async remember(key, expiresAt) {
        const result = await db.insertInto('rp_logout_tokens').values({ key, expires_at: expiresAt }).onConflict((c) => c.column('key').doNothing()).executeTakeFirst()
        return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
      },
    },
    async purgeExpired(now) {
      await db.deleteFrom('rp_transactions').where('expires_at', '<=', now).execute()
      await db.deleteFrom('rp_sessions').where('expires_at', '<=', now).execute()
      await db.deleteFrom('rp_session_sids').where('expires_at', '<=', now).execute()
      await db.deleteFrom('rp_logout_tokens').where('expires_at', '<=', now).execute()
      await db.deleteFrom('rp_refresh_leases').where('expires_at', '<=', now * 1000).execute()
    },
    async close() {
      await db.destroy()
    },
  }
}
