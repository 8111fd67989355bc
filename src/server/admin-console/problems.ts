import type { AdminApiAnswer } from './types.js'

interface Problem {
  detail?: unknown
  errors?: unknown
}

/**
 * An error answer of the admin API (RFC 9457 problem details) in words for the page: the API's own
 * `detail` and the invalid members it names — texts of this server, shown escaped — or, for a conflict
 * over an `If-Match` (RFC 9110 §13.1.1), what the admin should do about it.
 */
export function problemMessage(answer: AdminApiAnswer, what: string): string {
  if (answer.status === 412 || answer.status === 428) return `This ${what} was changed by someone else since you opened the form. Reload it and make your change again.`
  if (answer.status === 404) return `This ${what} does not exist (any more).`
  if (answer.status === 401) return 'Your console session has ended. Reload the page to sign in again.'
  if (answer.status === 403) return 'You are not allowed to do this.'
  const problem = (typeof answer.body === 'object' && answer.body !== null ? answer.body : {}) as Problem
  const detail = typeof problem.detail === 'string' ? problem.detail : `The admin API answered ${answer.status}.`
  const fields = Array.isArray(problem.errors)
    ? problem.errors.flatMap((entry: unknown) => {
      const field = entry as { pointer?: unknown; detail?: unknown }
      return typeof field.pointer === 'string' && typeof field.detail === 'string' ? [`${field.pointer.replace(/^\//, '')}: ${field.detail}`] : []
    })
    : []
  return fields.length > 0 ? `${detail} (${fields.join('; ')})` : detail
}

/** The `items` and `next_cursor` of a list answer. */
export function listOf<T>(answer: AdminApiAnswer): { items: T[]; next: string | null } {
  const body = (answer.body ?? {}) as { items?: unknown; next_cursor?: unknown }
  return { items: Array.isArray(body.items) ? (body.items as T[]) : [], next: typeof body.next_cursor === 'string' ? body.next_cursor : null }
}
