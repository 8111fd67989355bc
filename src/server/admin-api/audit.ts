import { AUDIT_EVENT_TYPES, expandAuditType } from '../audit/events.js'
import type { AuditRecord } from '../../storage/types.js'
import { decodeCursor, encodeCursor, invalidCursor, json, pageOf, textFilter } from './http.js'
import type { AdminOperation } from './operation.js'
import { AdminProblem } from './problem.js'

/** The most records one page read may look at while skipping to the cursor (records of one second). */
const MAX_SCAN = 10_000

/** A time filter: Unix seconds, or an RFC 3339 date-time. */
function timeFilter(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name)
  if (value === null) return undefined
  if (/^\d{1,12}$/.test(value)) return Number(value)
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(time)) throw new AdminProblem(400, `${name} must be Unix seconds or an RFC 3339 date-time`, [{ pointer: name, detail: 'e.g. 2026-01-31T12:00:00Z' }])
  return Math.floor(time / 1000)
}

/** Position of the last record of a page: newest first, by time then id (the store's order). */
function positionOf(cursor: string): { time: number; id: string } {
  const decoded = decodeCursor(cursor) as { t?: unknown; id?: unknown } | null
  if (typeof decoded?.t !== 'number' || typeof decoded.id !== 'string') throw invalidCursor()
  return { time: decoded.t, id: decoded.id }
}

const before = (record: AuditRecord, position: { time: number; id: string }): boolean =>
  record.time < position.time || (record.time === position.time && record.id < position.id)

const query: AdminOperation = {
  id: 'listAuditEvents', method: 'GET', path: '/audit', scope: 'admin:audit:read',
  async handle({ ctx, query: params }) {
    const { limit, cursor } = pageOf(params)
    const since = timeFilter(params, 'since')
    let until = timeFilter(params, 'until')
    const known = [...AUDIT_EVENT_TYPES, ...ctx.registry.auditEvents.keys()]
    const types = new Set<string>()
    for (const value of params.getAll('type').flatMap((entry) => entry.split(',')).filter(Boolean)) {
      const expanded = expandAuditType(value, known)
      if (expanded.length === 0) throw new AdminProblem(400, `unknown audit event type ${JSON.stringify(value.slice(0, 64))}`, [{ pointer: 'type', detail: 'an event type or family (login, token, client…)' }])
      for (const type of expanded) types.add(type)
    }
    const userFilter = textFilter(params, 'user')
    // As `tessera-oidc audit --user`: a username names its user now; anything else is a user id (deleted users too).
    const subject = userFilter === undefined ? undefined : ((await ctx.config.store.users.getByUsername(userFilter))?.id ?? userFilter)
    const clientId = textFilter(params, 'client')
    const position = cursor === undefined ? undefined : positionOf(cursor)
    // The store pages by time only: ask for the cursor's second and later ones, and skip what was shown.
    if (position !== undefined) until = Math.min(until ?? Number.MAX_SAFE_INTEGER, position.time + 1)
    let want = limit + 1
    let records: AuditRecord[] = []
    for (;;) {
      const found = await ctx.config.store.audit.list({ since, until, type: types.size > 0 ? [...types] : undefined, subject, clientId, limit: want })
      records = position === undefined ? found : found.filter((record) => before(record, position))
      if (records.length > limit || found.length < want || want >= MAX_SCAN) break
      want = Math.min(MAX_SCAN, want * 4)
    }
    const page = records.slice(0, limit)
    const last = page.at(-1)
    return json(200, { items: page, next_cursor: records.length > limit && last !== undefined ? encodeCursor({ t: last.time, id: last.id }) : null })
  },
}

export const AUDIT_OPERATIONS: readonly AdminOperation[] = [query]
