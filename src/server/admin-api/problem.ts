import type { OAuthResponse } from '../../http/types.js'

/** One invalid member of a request: where (a JSON Pointer into the body, or the query parameter) and why. */
export interface ProblemField {
  readonly pointer: string
  readonly detail: string
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 412: 'Precondition Failed',
  415: 'Unsupported Media Type', 422: 'Unprocessable Content', 428: 'Precondition Required', 500: 'Internal Server Error', 503: 'Service Unavailable',
}

/**
 * An error of the admin API as RFC 9457 problem details. `type` stays `about:blank` (§4.2.1): the status
 * says what kind of problem it is, `detail` what to fix; `errors` lists invalid members (§3.2 extension).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3
 */
export class AdminProblem extends Error {
  constructor(readonly status: number, readonly detail: string, readonly errors?: readonly ProblemField[], readonly headers?: Readonly<Record<string, string>>) {
    super(detail)
    this.name = 'AdminProblem'
  }
}

/** The response for a problem: `application/problem+json`, never cached. */
export function problemResponse(problem: AdminProblem): OAuthResponse {
  const headers = new Headers({ 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', ...problem.headers })
  const body = {
    type: 'about:blank',
    title: TITLES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.detail,
    ...(problem.errors && problem.errors.length > 0 ? { errors: problem.errors } : {}),
  }
  return { status: problem.status, headers, body: JSON.stringify(body) }
}

export const notFound = (what: string): AdminProblem => new AdminProblem(404, `No ${what} with this id`)
