import { adminAlert, adminConfirm, adminDetails, adminForm, adminLinks, adminNotice, adminSecret, adminTable, html, type SafeHtml } from '../../ui/index.js'
import { listOf, noticeOf, problemMessage } from './problems.js'
import { keepForOneView, takeOneView } from './shown-once.js'
import type { ConsolePage, ConsoleRequest, ConsoleResult } from './types.js'

/** An initial access token as the admin API lists it: never its value. */
interface TokenEntry {
  id: string
  created_at: number
  expires_at: number
}

const NOTICES: ReadonlyMap<string, string> = new Map([['revoked', 'The token was revoked.']])

const LIFETIMES = [
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days' },
  { value: '2592000', label: '30 days' },
]

const time = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')

const link = (request: ConsoleRequest, path: string): string => `${request.ctx.config.issuer}/admin${path}`

function page(title: string, body: SafeHtml, status?: number): ConsoleResult {
  return { kind: 'page', title, body, ...(status !== undefined ? { status } : {}) }
}

function createForm(request: ConsoleRequest): SafeHtml {
  return adminForm({
    action: link(request, '/registration/new'), csrfToken: request.csrfToken, submit: 'Create token', label: 'New initial access token',
    fields: [{ kind: 'select', name: 'expires_in', label: 'Valid for', value: '86400', options: LIFETIMES }],
  })
}

const list: ConsolePage = {
  method: 'GET', path: '/registration', section: 'registration',
  async handle(request) {
    const answer = await request.api('GET', '/registration/tokens')
    const intro = html`<p class="lead">Initial access tokens let a developer register one client at the registration endpoint (RFC 7591 §3) when registration takes tokens (--registration token).</p>`
    const notice = adminNotice(noticeOf(request, NOTICES))
    if (answer.status !== 200) return page('Registration', html`${intro}${notice}${adminAlert(problemMessage(answer, 'token list'))}`, 502)
    const rows = listOf<TokenEntry>(answer).items.map((token) => [
      html`<span class="mono">${token.id}</span>`, time(token.created_at), time(token.expires_at),
      html`<a href="${link(request, `/registration/${encodeURIComponent(token.id)}/revoke`)}">Revoke<span class="visually-hidden"> ${token.id}</span></a>`,
    ])
    return page('Registration', html`${intro}${notice}
${adminTable({ caption: 'Live initial access tokens', columns: ['Token id', 'Created', 'Expires', 'Action'], rows, empty: 'No live token.' })}
<h2>New token</h2>
${createForm(request)}`)
  },
}

const create: ConsolePage = {
  method: 'POST', path: '/registration/new', section: 'registration',
  async handle(request) {
    const expiresIn = Number(request.form.get('expires_in') ?? '86400')
    const answer = await request.api('POST', '/registration/tokens', { body: { expires_in: expiresIn } })
    const body = (answer.body ?? {}) as { id?: unknown; initial_access_token?: unknown; expires_at?: unknown }
    if (answer.status !== 201 || typeof body.initial_access_token !== 'string' || typeof body.id !== 'string') {
      return page('New initial access token', html`${adminAlert(problemMessage(answer, 'token'))}${createForm(request)}`, 400)
    }
    const shown = await keepForOneView(request, { id: body.id, token: body.initial_access_token, expires_at: String(body.expires_at) })
    return { kind: 'redirect', to: `/registration/shown?shown=${shown}` }
  },
}

const shown: ConsolePage = {
  method: 'GET', path: '/registration/shown', section: 'registration',
  async handle(request) {
    const back = adminLinks([{ href: link(request, '/registration'), label: 'All tokens' }])
    const kept = await takeOneView(request, request.query.get('shown'))
    if (kept?.token === undefined || kept.id === undefined) return page('Token not shown again', html`<p>An initial access token is shown only once, right after it was made. Create another if it was not stored.</p>${back}`)
    return page('New initial access token', html`<p><strong>Copy the token now: it is shown only this once.</strong> The server keeps only its hash.</p>
${adminDetails([['Token id', html`<span class="mono">${kept.id}</span>`], ['Expires', time(Number(kept.expires_at))]])}
${adminSecret({ id: 'initial-access-token', label: 'Initial access token', value: kept.token })}
${back}`)
  },
}

const showRevoke: ConsolePage = {
  method: 'GET', path: '/registration/{token_id}/revoke', section: 'registration',
  handle(request) {
    const id = request.params.token_id ?? ''
    return Promise.resolve(page('Revoke token', adminConfirm({
      question: `Revoke the initial access token ${id}?`, detail: 'Nobody can register a client with it any more.',
      action: link(request, `/registration/${encodeURIComponent(id)}/revoke`), csrfToken: request.csrfToken, submit: 'Revoke token', cancelHref: link(request, '/registration'),
    })))
  },
}

const revoke: ConsolePage = {
  method: 'POST', path: '/registration/{token_id}/revoke', section: 'registration',
  async handle(request) {
    const answer = await request.api('DELETE', `/registration/tokens/${encodeURIComponent(request.params.token_id ?? '')}`)
    if (answer.status === 204) return { kind: 'redirect', to: '/registration?notice=revoked' }
    return page('Revoke token', html`${adminAlert(problemMessage(answer, 'token'))}${adminLinks([{ href: link(request, '/registration'), label: 'All tokens' }])}`, answer.status === 404 ? 404 : 400)
  },
}

/** The fixed paths (`new`, `shown`) come before those of one token. */
export const REGISTRATION_PAGES: readonly ConsolePage[] = [list, create, shown, showRevoke, revoke]
