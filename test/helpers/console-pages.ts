import type { AdminApiAnswer, AdminApiMethod, ConsolePage, ConsoleRequest, ConsoleResult } from '../../src/server/admin-console/types.js'
import type { Capability, ServerContext } from '../../src/server/context.js'
import type { AdminHarness } from './admin-api.js'

// Drives the admin console's pages without the console's frame: a route table matched as the frame's would
// (`{name}` = one percent-decoded segment), and a ConsoleRequest whose `api()` calls the real admin API of a
// real server over HTTP with a real admin token (each answer checked against the OpenAPI document).

/** A capability whose one endpoint hands out the server's context, for pages that read `ctx`. */
export function contextCatcher(): { capability: Capability; context(serverUrl: string): Promise<ServerContext> } {
  let caught: ServerContext | undefined
  const capability: Capability = {
    name: 'test-context-catcher',
    spec: 'none (tests)',
    endpoints: [{
      name: 'testContextCatcher', path: '/test-context-catcher', methods: ['GET'],
      handle: async (ctx) => {
        caught = ctx
        return { status: 204, headers: new Headers() }
      },
    }],
  }
  return {
    capability,
    async context(serverUrl) {
      await fetch(`${serverUrl}/test-context-catcher`)
      if (!caught) throw new Error('the server did not hand out its context')
      return caught
    },
  }
}

export const CSRF_TOKEN = 'csrf-token-of-this-console-session'

export interface PageCall {
  /** The console path with its query: `/users?q=carol`. */
  path: string
  method?: 'GET' | 'POST'
  form?: Record<string, string>
  recentlyAuthenticated?: boolean
}

/** The console's pages of one section, answering calls as the frame would route them. */
export function consolePages(pages: readonly ConsolePage[], harness: AdminHarness, ctx: ServerContext, token: () => string, admin = { sub: 'admin', name: 'Admin' }) {
  return async function open(call: PageCall): Promise<ConsoleResult> {
    const method = call.method ?? 'GET'
    const url = new URL(`${harness.server.url}/admin${call.path}`)
    const rest = url.pathname.slice('/admin'.length)
    const matches = pages.flatMap((page) => {
      if (page.method !== method) return []
      const names = [...page.path.matchAll(/\{([a-z_]+)\}/g)].map((match) => match[1] ?? '')
      const found = new RegExp(`^${page.path.replace(/\{[a-z_]+\}/g, '([^/]+)')}$`).exec(rest)
      if (!found) return []
      return [{ page, params: Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1] ?? '')])) }]
    })
    if (matches.length !== 1) throw new Error(`${matches.length} routes for ${method} ${rest}`)
    const [{ page, params }] = matches as [{ page: ConsolePage; params: Record<string, string> }]
    const form = new URLSearchParams(call.form ?? {})
    const request: ConsoleRequest = {
      ctx,
      request: { method, url, headers: new Headers(), ...(method === 'POST' ? { body: new TextEncoder().encode(form.toString()) } : {}) },
      admin,
      csrfToken: CSRF_TOKEN,
      params,
      query: url.searchParams,
      form,
      recentlyAuthenticated: call.recentlyAuthenticated ?? false,
      async api(apiMethod: AdminApiMethod, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<AdminApiAnswer> {
        const answer = await harness.call(apiMethod, path, { token: token(), ...(options.body !== undefined ? { body: options.body } : {}), ...(options.headers ? { headers: options.headers } : {}) })
        return { status: answer.status, headers: answer.headers, body: answer.text === '' ? undefined : answer.json }
      },
    }
    return page.handle(request)
  }
}

/** The body of a page result (failing the test for any other kind). */
export function pageOf(result: ConsoleResult): { title: string; html: string; status: number } {
  if (result.kind !== 'page') throw new Error(`expected a page, got ${JSON.stringify(result)}`)
  return { title: result.title, html: result.body.__html, status: result.status ?? 200 }
}

/** Every `<form method="post">` of a page with its action and hidden fields (entities decoded). */
export function postForms(html: string): Array<{ action: string; hidden: Record<string, string> }> {
  const decode = (value: string) => value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
  return [...html.matchAll(/<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/g)].map((match) => ({
    action: decode(match[1] ?? ''),
    hidden: Object.fromEntries([...(match[2] ?? '').matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((input) => [decode(input[1] ?? ''), decode(input[2] ?? '')])),
  }))
}
