import { createHash } from 'node:crypto'
import type { z } from 'zod'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import { AdminProblem, type ProblemField } from './problem.js'

/** A JSON answer of the admin API; never cached (it shows live, privileged state). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): OAuthResponse {
  return { status, headers: new Headers({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers }), body: JSON.stringify(body) }
}

export function noContent(): OAuthResponse {
  return { status: 204, headers: new Headers({ 'Cache-Control': 'no-store' }) }
}

/**
 * The request body, parsed and validated by `schema`: 415 unless it is JSON, 400 with the invalid members
 * (JSON Pointers) otherwise. Strict schemas refuse unknown members.
 */
export function bodyOf<T extends z.ZodType>(request: OAuthRequest, schema: T): z.infer<T> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json') throw new AdminProblem(415, 'The body must be JSON (Content-Type: application/json)')
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(request.body ?? new Uint8Array()))
  } catch {
    throw new AdminProblem(400, 'The body is not valid JSON')
  }
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const errors: ProblemField[] = parsed.error.issues.slice(0, 20).map((issue) => ({
    pointer: `/${issue.path.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`.replace(/^\/$/, ''),
    detail: issue.code === 'unrecognized_keys' ? `unknown member${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : issue.message,
  }))
  throw new AdminProblem(400, 'The body is not valid for this operation', errors)
}

/** A strong entity tag of a stored record: any change to it changes the tag (RFC 9110 §8.8.3). */
export function etagOf(record: unknown): string {
  return `"${createHash('sha256').update(canonicalJson(record)).digest('base64url').slice(0, 32)}"`
}

/** JSON with object members in sorted order: each store returns a record's members in its own order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, member]) => member !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * RFC 9110 §13.1.1 / RFC 6585 §3: a change needs `If-Match` with the tag the client read — 428 without it,
 * 412 when the record changed since, so two admins never overwrite each other silently.
 */
export function checkIfMatch(request: OAuthRequest, current: string): void {
  const header = request.headers.get('if-match')
  if (header === null) throw new AdminProblem(428, 'This change needs If-Match with the ETag of the record as last read')
  const tags = header.split(',').map((tag) => tag.trim())
  if (!tags.includes(current) && !tags.includes('*')) throw new AdminProblem(412, 'The record changed since it was read: read it again and repeat the change')
}

export const DEFAULT_PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 200

/** `limit` and `cursor` of a list request; an oversized or malformed value is a 400 problem. */
export function pageOf(query: URLSearchParams): { limit: number; cursor: string | undefined } {
  const raw = query.get('limit')
  const limit = raw === null ? DEFAULT_PAGE_SIZE : Number(raw)
  if (!/^\d{1,6}$/.test(raw ?? '1') || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new AdminProblem(400, `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`, [{ pointer: 'limit', detail: `at most ${MAX_PAGE_SIZE}` }])
  }
  const cursor = query.get('cursor') ?? undefined
  if (cursor !== undefined && !/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw invalidCursor()
  return { limit, cursor }
}

export const invalidCursor = (): AdminProblem => new AdminProblem(400, 'cursor is not one this API handed out', [{ pointer: 'cursor', detail: 'use next_cursor of the previous page' }])

/** An opaque cursor for a position in a list ordered by `key`. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

export function decodeCursor(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalidCursor()
  }
}

/**
 * One page of `items` ordered by `keyOf` (ascending, unique keys), after the cursor's key. The store lists
 * clients and users whole (its interface has no paging, and grows for no feature), so paging is done here.
 */
export function pageAfter<T>(items: readonly T[], keyOf: (item: T) => string, limit: number, cursor: string | undefined): { items: T[]; next_cursor: string | null } {
  let after: string | undefined
  if (cursor !== undefined) {
    const decoded = decodeCursor(cursor)
    if (typeof decoded !== 'object' || decoded === null || typeof (decoded as { after?: unknown }).after !== 'string') throw invalidCursor()
    after = (decoded as { after: string }).after
  }
  const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
  const rest = after === undefined ? sorted : sorted.filter((item) => keyOf(item) > after)
  const page = rest.slice(0, limit)
  const last = page.at(-1)
  return { items: page, next_cursor: rest.length > limit && last !== undefined ? encodeCursor({ after: keyOf(last) }) : null }
}

/** A boolean query filter: `true` or `false`, else 400. */
export function booleanFilter(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name)
  if (value === null) return undefined
  if (value !== 'true' && value !== 'false') throw new AdminProblem(400, `${name} must be true or false`, [{ pointer: name, detail: 'true or false' }])
  return value === 'true'
}

/** A text query filter of at most 200 characters. */
export function textFilter(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name)
  if (value === null) return undefined
  if (value.length === 0 || value.length > 200) throw new AdminProblem(400, `${name} must be 1 to 200 characters`, [{ pointer: name, detail: '1 to 200 characters' }])
  return value
}
