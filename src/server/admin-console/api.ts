import type { ServerContext } from '../context.js'
import type { AdminApiAnswer, AdminApiMethod } from './types.js'

/**
 * One call of the admin API (`/admin/v1{path}`) with the admin's own token, in process: the request goes to
 * the API's own route handler — the same token check, scopes, admin rule, validation and audit as over
 * HTTP, without a request to itself. Without the admin API (`adminApi()` not registered) every call is a 404.
 */
export async function callAdminApi(ctx: ServerContext, token: string, method: AdminApiMethod, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<AdminApiAnswer> {
  const url = new URL(`${ctx.config.issuer}/admin/v1${path}`)
  const route = ctx.registry.route(url.pathname.slice(ctx.config.basePath.length))
  if (!route || ctx.urls.adminApi === undefined) return { status: 404, headers: new Headers(), body: { status: 404, detail: 'The admin API is not enabled on this server' } }
  const headers = new Headers({ ...options.headers, authorization: `Bearer ${token}`, accept: 'application/json' })
  let body: Uint8Array | undefined
  if (options.body !== undefined) {
    headers.set('content-type', 'application/json')
    body = new TextEncoder().encode(JSON.stringify(options.body))
  }
  const answer = await route.handle(ctx, { method, url, headers, body }, route.captures)
  const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : new TextDecoder().decode(answer.body)
  let parsed: unknown
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    parsed = undefined
  }
  return { status: answer.status, headers: answer.headers, body: parsed }
}
