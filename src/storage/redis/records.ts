import { StorageConflictError, type KeyedRecord, type RecordKind, type RecordStore } from '../types.js'
import { DELETE_INDEXED, INDEX_RECORD, lua, type RedisContext } from './lua.js'

/**
 * The keyed-record facility on Redis. A record is a hash `{prefix}{kind}:{key}` (fields `record` JSON,
 * `expires_at`, and `consumed_at`, `subject`, `client_id`, `revision` when set: the layout codes,
 * sessions and interactions had before, so those written by the previous release stay readable), with a
 * TTL at its expiry. Kind names `subject` and `client` are taken by the indexes below.
 *
 * A user's and a client's records are listed in a sorted set per owner (`{prefix}subject:{id}`,
 * `{prefix}client:{id}`, members `{kind}:{key}`, score `expires_at`, pruned on every write and expiring
 * with their last record): deleting a user (or a password change ending their sessions) costs what they
 * own, where a SCAN would walk every key of every user on each call.
 */
export function redisRecordStore(context: RedisContext): RecordStore {
  const { prefix, redis, run, ttl } = context
  const recordKey = (kind: RecordKind<unknown>, key: string) => `${prefix}${kind.name}:${key}`
  const subjectIndex = (subject: string) => `${prefix}subject:${subject}`
  const clientIndex = (clientId: string) => `${prefix}client:${clientId}`
  const kindPrefix = (kind: RecordKind<unknown> | undefined) => (kind ? `${kind.name}:` : '')

  return {
    async put(kind, record, options) {
      const indexes = [
        ...(record.subject != null ? [subjectIndex(record.subject)] : []),
        ...(record.clientId != null ? [clientIndex(record.clientId)] : []),
      ]
      const saved = await run(PUT_RECORD, [recordKey(kind, record.key), ...indexes], [
        JSON.stringify(record.value), record.expiresAt, ttl(record.expiresAt), `${kind.name}:${record.key}`, context.clock(),
        options?.replace ? 1 : 0, record.subject ?? '', record.clientId ?? '',
      ])
      if (saved !== 1) throw new StorageConflictError(`${kind.name} exists`)
    },

    async get<T>(kind: RecordKind<T>, key: string, now: number) {
      const fields = await redis.hmget(recordKey(kind, key), ...FIELDS)
      const record = toRecord<T>(key, fields)
      return record && record.expiresAt > now && record.consumedAt === null ? record : undefined
    },

    // RFC 6749 §4.1.2 / §10.5: one script reads and marks the record, so of concurrent callers exactly one
    // sees it unconsumed. The consumed record stays until it expires, so a replay is still recognized.
    async consume<T>(kind: RecordKind<T>, key: string, now: number) {
      const reply = (await run(CONSUME_RECORD, [recordKey(kind, key)], [now])) as [string, ...(string | null)[]] | null
      if (reply === null) return { status: 'unknown' } as const
      const [status, ...fields] = reply
      const record = toRecord<T>(key, fields)
      if (!record) return { status: 'unknown' } as const
      return { status: status === 'consumed' ? 'consumed' : 'replayed', record } as const
    },

    async update(kind, key, revision, value, now) {
      return (await run(UPDATE_RECORD, [recordKey(kind, key)], [now, revision, JSON.stringify(value)])) === 1
    },

    async delete(kind, key) {
      await redis.del(recordKey(kind, key))
    },

    async deleteBySubject(subject, kind) {
      await run(DELETE_OWNED, [subjectIndex(subject)], [prefix, kindPrefix(kind), 'subject', subject])
      const legacy = LEGACY_USER_INDEXES.filter((name) => kind === undefined || kind.name === name)
      if (legacy.length > 0) await run(DELETE_INDEXED, legacy.map((name) => `${prefix}user-${name}s:${subject}`), legacy.map((name) => `${prefix}${name}:`))
    },

    async deleteByClient(clientId, kind) {
      await run(DELETE_OWNED, [clientIndex(clientId)], [prefix, kindPrefix(kind), 'client_id', clientId])
    },

    async listBySubject<T>(kind: RecordKind<T>, subject: string) {
      const rows = (await run(LIST_OWNED, [subjectIndex(subject)], [prefix, kindPrefix(kind), 'subject', subject])) as string[][]
      return rows.flatMap(([member = '', ...fields]) => {
        const record = toRecord<T>(member.slice(kind.name.length + 1), fields)
        return record ? [record] : []
      })
    },
  }
}

/**
 * Kinds the previous release indexed per user and per kind (`{prefix}user-sessions:{id}`): its login
 * sessions live on after the upgrade (same hash layout), and a password change or user deletion must
 * still end them. Its client indexes are not read: codes live minutes. Remove once no deployment can
 * hold a session created before this release.
 */
const LEGACY_USER_INDEXES = ['session', 'code']

/** The hash fields, in the order every script and `toRecord` use. */
const FIELDS = ['record', 'expires_at', 'consumed_at', 'subject', 'client_id', 'revision'] as const

// An empty string stands for an absent field: Lua cannot put nil into a reply array.
function toRecord<T>(key: string, fields: (string | null | undefined)[]): KeyedRecord<T> | undefined {
  const [record, expiresAt, consumedAt, subject, clientId, revision] = fields
  if (record == null || record === '') return undefined
  return {
    key,
    value: JSON.parse(record) as T,
    expiresAt: Number(expiresAt),
    consumedAt: consumedAt == null || consumedAt === '' ? null : Number(consumedAt),
    subject: subject == null || subject === '' ? null : subject,
    clientId: clientId == null || clientId === '' ? null : clientId,
    revision: revision == null || revision === '' ? 0 : Number(revision),
  }
}

// KEYS: record, then the owner indexes listing it. ARGV: record JSON, expires_at, TTL, index member,
// clock (index members that expired by then are pruned), replace (1/0), subject or '', client id or ''.
// Returns 0 if the record exists and may not be replaced.
const PUT_RECORD = lua(`
local exists = redis.call('EXISTS', KEYS[1]) == 1
if exists and ARGV[6] ~= '1' then return 0 end
local revision = 0
if exists then revision = (tonumber(redis.call('HGET', KEYS[1], 'revision')) or 0) + 1 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'expires_at', ARGV[2], 'revision', revision)
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'subject', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'client_id', ARGV[8]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
${INDEX_RECORD}
return 1
`)

// KEYS: record. ARGV: now. Returns nil (unknown or expired) or {status, the FIELDS with '' for absent}.
const CONSUME_RECORD = lua(`
local v = redis.call('HMGET', KEYS[1], 'record', 'expires_at', 'consumed_at', 'subject', 'client_id', 'revision')
if not v[1] or tonumber(v[2]) <= tonumber(ARGV[1]) then return false end
local status = 'replayed'
if not v[3] then
  redis.call('HSET', KEYS[1], 'consumed_at', ARGV[1])
  v[3] = ARGV[1]
  status = 'consumed'
end
return {status, v[1], v[2], v[3], v[4] or '', v[5] or '', v[6] or '0'}
`)

// KEYS: record. ARGV: now, expected revision, new record JSON. 1 if it was live, unconsumed and at that revision.
const UPDATE_RECORD = lua(`
local v = redis.call('HMGET', KEYS[1], 'expires_at', 'consumed_at', 'revision')
if not v[1] or tonumber(v[1]) <= tonumber(ARGV[1]) or v[2] or (tonumber(v[3]) or 0) ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[3], 'revision', tonumber(ARGV[2]) + 1)
return 1
`)

// KEYS: an owner index. ARGV: key prefix, member prefix ('' for every kind), owner field, owner id.
// Deletes the listed records that still belong to the owner (a key may have been reused since).
const DELETE_OWNED = lua(`
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if ARGV[2] == '' or string.sub(member, 1, #ARGV[2]) == ARGV[2] then
    if redis.call('HGET', ARGV[1] .. member, ARGV[3]) == ARGV[4] then redis.call('DEL', ARGV[1] .. member) end
    redis.call('ZREM', KEYS[1], member)
  end
end
return 1
`)

// KEYS: an owner index. ARGV: as DELETE_OWNED. Returns {member, the FIELDS with '' for absent} per record.
const LIST_OWNED = lua(`
local records = {}
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(member, 1, #ARGV[2]) == ARGV[2] then
    local v = redis.call('HMGET', ARGV[1] .. member, 'record', 'expires_at', 'consumed_at', 'subject', 'client_id', 'revision')
    if v[1] and v[4] == ARGV[4] then
      table.insert(records, {member, v[1], v[2], v[3] or '', v[4] or '', v[5] or '', v[6] or '0'})
    end
  end
end
return records
`)
