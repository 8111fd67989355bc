import type { AdminApiAnswer, ConsoleRequest } from './types.js'

// How every console page reads the admin API's answers: its problems (RFC 9457) as messages an admin can act
// on, with the page status they deserve (never a 500 for a refusal of the API), and its lists.

/** A refused or failed API call as the page shows it. */
export interface ProblemText {
  /** The page's status: the API's for 400/404/409, 409 for a stale ETag, 403 for a refused token, 503 or 502 otherwise. */
  readonly status: number
  readonly message: string
  /** Each invalid member the problem names (`errors` of RFC 9457 §3.2), as `member: reason`. */
  readonly errors: readonly string[]
}

/** The object of a record: its members, or an empty object for anything that is not one. */
export function membersOf(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
export const nullableText = (value: unknown): string | null => (typeof value === 'string' ? value : null)
export const seconds = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN)
export const nullableSeconds = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null)

/**
 * The message of an answer that is not the expected success. `what` names the object in the admin's words
 * ("client", "session of this user"); the API's `detail` is client-safe text (src/server/admin-api/problem.ts),
 * shown escaped. A conflict over an `If-Match` (RFC 9110 §13.1.1) says what the admin should do about it.
 */
export function problemOf(answer: AdminApiAnswer, what: string): ProblemText {
  const body = membersOf(answer.body)
  const detail = text(body.detail)
  const errors = Array.isArray(body.errors)
    ? body.errors.map(membersOf).map((entry) => `${(text(entry.pointer) ?? '').replace(/^\//, '') || 'body'}: ${text(entry.detail) ?? 'invalid'}`)
    : []
  switch (answer.status) {
    case 400:
    case 422:
      return { status: 400, message: `This was refused: ${detail ?? 'the values are not valid'}.`, errors }
    case 404:
      return { status: 404, message: `No ${what} with this id: it does not exist, or was deleted or ended meanwhile.`, errors: [] }
    case 409:
      return { status: 409, message: `This conflicts with what is stored: ${detail ?? 'the object exists already'}.`, errors: [] }
    case 412:
    case 428:
      return { status: 409, message: `This ${what} was changed by someone else since you opened the page: reload it and make your change again.`, errors: [] }
    case 401:
    case 403:
      return { status: 403, message: 'The admin API refused your console token for this action: sign in again, or ask for the admin scope it needs.', errors: [] }
    case 503:
      return { status: 503, message: 'The store cannot be reached for now: try again shortly.', errors: [] }
    default:
      return { status: 502, message: `The admin API could not complete this (status ${answer.status}): try again, or see the server's log.`, errors: [] }
  }
}

/** `problemOf` in one line, for pages that show a problem as a single alert: the invalid members follow the message. */
export function problemMessage(answer: AdminApiAnswer, what: string): string {
  const { message, errors } = problemOf(answer, what)
  return errors.length > 0 ? `${message} (${errors.join('; ')})` : message
}

/** The `items` and `next_cursor` of a list answer. */
export function listOf<T>(answer: AdminApiAnswer): { items: T[]; next: string | null } {
  const body = membersOf(answer.body)
  return { items: Array.isArray(body.items) ? (body.items as T[]) : [], next: nullableText(body.next_cursor) }
}

/** `items` of a list answer, each as its members. */
export function itemsOf(answer: AdminApiAnswer): Readonly<Record<string, unknown>>[] {
  return listOf<unknown>(answer).items.map(membersOf)
}

/** The console's base path: links and form actions of a page are absolute below it. */
export function consoleBase(request: ConsoleRequest): string {
  return `${request.ctx.config.basePath}/admin`
}

/** A notice of a fixed name from the query (`?notice=session-revoked`): never text taken from the request. */
export function noticeOf(request: ConsoleRequest, notices: ReadonlyMap<string, string>): string | undefined {
  const name = request.query.get('notice')
  return name === null ? undefined : notices.get(name)
}
