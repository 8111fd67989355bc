import {
  adminAlert, adminConfirm, adminDetails, adminFilters, adminForm, adminLinks, adminNotice, adminPager, adminSecret, adminTable, html,
  type AdminField, type SafeHtml,
} from '../../ui/index.js'
import type { ServerContext } from '../context.js'
import { listOf, noticeOf, problemMessage } from './problems.js'
import { keepForOneView, takeOneView } from './shown-once.js'
import type { ConsolePage, ConsoleRequest, ConsoleResult } from './types.js'

/** A client as the admin API shows it (the members the pages use). */
interface ClientView {
  client_id: string
  client_name: string
  redirect_uris: string[]
  post_logout_redirect_uris: string[]
  grant_types: string[]
  scopes: string[]
  token_endpoint_auth_method: string
  skip_consent: boolean
  disabled: boolean
  registered_by: string
  created_at: number
  client_uri?: string | null
}

/** Confirmations after a redirect: fixed names, never echoed input. */
const NOTICES: ReadonlyMap<string, string> = new Map([
  ['created', 'The client was created.'],
  ['saved', 'The changes were saved.'],
  ['deleted', 'The client was deleted.'],
])

/**
 * The path of a client's pages. The id is percent-encoded; an id of `new` is encoded further (`%6Eew`) so
 * that its pages are not the "new client" form's.
 */
export function clientPath(clientId: string, rest = ''): string {
  const segment = clientId === 'new' ? '%6Eew' : encodeURIComponent(clientId)
  return `/clients/${segment}${rest}`
}

const link = (ctx: ServerContext, path: string): string => `${ctx.config.issuer}/admin${path}`

const time = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')

const lines = (value: string | null): string[] => (value ?? '').split(/\r?\n/).map((line) => line.trim()).filter(Boolean)

const words = (value: string | null): string[] => (value ?? '').split(/\s+/).filter(Boolean)

/** Whether the client authenticates with a secret the server made (the only ones with a secret to rotate). */
const hasSecret = (client: ClientView): boolean => client.token_endpoint_auth_method.startsWith('client_secret_')

function page(title: string, body: SafeHtml, status?: number): ConsoleResult {
  return { kind: 'page', title, body, ...(status !== undefined ? { status } : {}) }
}

function asClient(body: unknown): ClientView | undefined {
  const client = (body as { client?: unknown } | undefined)?.client
  return typeof client === 'object' && client !== null && typeof (client as ClientView).client_id === 'string' ? (client as ClientView) : undefined
}

/** What the create and edit forms hold, as the admin typed it. */
interface ClientForm {
  client_name: string
  client_id?: string
  redirect_uris: string
  post_logout_redirect_uris: string
  grant_types: string[]
  token_endpoint_auth_method: string
  scopes: string
  skip_consent: boolean
  disabled?: boolean
  /** The status the edit form was made with: `disabled` is sent only when the admin changed it (each switch is audited). */
  was_disabled?: boolean
}

function formFromClient(client: ClientView): ClientForm {
  return {
    client_name: client.client_name, redirect_uris: client.redirect_uris.join('\n'), post_logout_redirect_uris: client.post_logout_redirect_uris.join('\n'),
    grant_types: client.grant_types, token_endpoint_auth_method: client.token_endpoint_auth_method, scopes: client.scopes.join(' '), skip_consent: client.skip_consent,
    disabled: client.disabled, was_disabled: client.disabled,
  }
}

function formFromPost(form: URLSearchParams, withId: boolean): ClientForm {
  return {
    client_name: form.get('client_name') ?? '', ...(withId ? { client_id: form.get('client_id') ?? '' } : {}),
    redirect_uris: form.get('redirect_uris') ?? '', post_logout_redirect_uris: form.get('post_logout_redirect_uris') ?? '',
    grant_types: form.getAll('grant_types'), token_endpoint_auth_method: form.get('token_endpoint_auth_method') ?? '', scopes: form.get('scopes') ?? '',
    skip_consent: form.get('skip_consent') === 'yes', ...(withId ? {} : { disabled: form.get('disabled') === 'yes', was_disabled: form.get('was_disabled') === 'yes' }),
  }
}

/** The admin API's body for the form: the members it names, by the API's names. */
function apiBody(input: ClientForm, creating: boolean): Record<string, unknown> {
  const scopes = words(input.scopes)
  return {
    client_name: input.client_name,
    ...(creating && input.client_id ? { client_id: input.client_id } : {}),
    redirect_uris: lines(input.redirect_uris),
    post_logout_redirect_uris: lines(input.post_logout_redirect_uris),
    ...(input.grant_types.length > 0 || !creating ? { grant_types: input.grant_types } : {}),
    ...(input.token_endpoint_auth_method ? { token_endpoint_auth_method: input.token_endpoint_auth_method } : {}),
    ...(scopes.length > 0 || !creating ? { scopes } : {}),
    skip_consent: input.skip_consent,
    ...(input.disabled !== undefined && input.disabled !== input.was_disabled ? { disabled: input.disabled } : {}),
  }
}

/** The inputs of a client: what the admin API takes, offered as the server's registry knows them. */
function clientFields(ctx: ServerContext, input: ClientForm, creating: boolean): AdminField[] {
  const grants = ctx.registry.grantTypes.map((grant) => ({ value: grant, label: grant }))
  const methods = [...ctx.registry.authMethods.keys()].map((method) => ({ value: method, label: method }))
  return [
    { kind: 'text', name: 'client_name', label: 'Name', value: input.client_name, required: true },
    ...(creating ? [{ kind: 'text', name: 'client_id', label: 'Client ID (optional)', value: input.client_id ?? '', hint: 'Letters, digits and . _ ~ -; left empty, one is made up.', autocomplete: 'off' } as const] : []),
    { kind: 'textarea', name: 'redirect_uris', label: 'Redirect URIs', value: input.redirect_uris, hint: 'One per line; https, or http on loopback.' },
    { kind: 'textarea', name: 'post_logout_redirect_uris', label: 'Post-logout redirect URIs', value: input.post_logout_redirect_uris, hint: 'One per line.' },
    { kind: 'checkboxes', name: 'grant_types', label: 'Grant types', values: input.grant_types, options: grants },
    { kind: 'select', name: 'token_endpoint_auth_method', label: 'Client authentication', value: input.token_endpoint_auth_method || 'client_secret_basic', options: methods },
    { kind: 'text', name: 'scopes', label: 'Scopes', value: input.scopes, hint: 'Separated by spaces, e.g. openid profile email.' },
    { kind: 'checkboxes', name: 'skip_consent', label: 'Consent', values: input.skip_consent ? ['yes'] : [], options: [{ value: 'yes', label: 'First-party: skip the consent screen' }] },
    ...(input.disabled !== undefined ? [{ kind: 'checkboxes', name: 'disabled', label: 'Status', values: input.disabled ? ['yes'] : [], options: [{ value: 'yes', label: 'Disabled: its tokens stop working, it gets no new ones' }] } as const] : []),
  ]
}

const list: ConsolePage = {
  method: 'GET', path: '/clients', section: 'clients',
  async handle(request) {
    const { ctx, query } = request
    const filters = new URLSearchParams()
    for (const name of ['q', 'grant_type', 'disabled']) {
      const value = query.get(name)
      if (value) filters.set(name, value)
    }
    const cursor = query.get('cursor')
    const asked = new URLSearchParams(filters)
    asked.set('limit', '50')
    if (cursor) asked.set('cursor', cursor)
    const answer = await request.api('GET', `/clients?${asked.toString()}`)
    const filterForm = adminFilters({
      action: link(ctx, '/clients'), label: 'Filter clients',
      fields: [
        { kind: 'text', name: 'q', label: 'Name or ID contains', value: filters.get('q') ?? '' },
        { kind: 'select', name: 'grant_type', label: 'Grant type', value: filters.get('grant_type') ?? '', options: [{ value: '', label: 'Any' }, ...ctx.registry.grantTypes.map((grant) => ({ value: grant, label: grant }))] },
        { kind: 'select', name: 'disabled', label: 'Status', value: filters.get('disabled') ?? '', options: [{ value: '', label: 'Any' }, { value: 'false', label: 'Active' }, { value: 'true', label: 'Disabled' }] },
      ],
    })
    const actions = adminLinks([{ href: link(ctx, '/clients/new'), label: 'New client' }])
    const notice = adminNotice(noticeOf(request, NOTICES))
    if (answer.status !== 200) return page('Clients', html`${notice}${actions}${filterForm}${adminAlert(problemMessage(answer, 'list'))}`, answer.status === 400 ? 400 : 502)
    const { items, next } = listOf<ClientView>(answer)
    const rows = items.map((client) => [
      html`<a href="${link(ctx, clientPath(client.client_id))}">${client.client_name}</a>`,
      html`<span class="mono">${client.client_id}</span>`,
      client.grant_types.join(', '),
      client.token_endpoint_auth_method,
      client.disabled ? 'Disabled' : 'Active',
    ])
    const more = (extra: Record<string, string>): string => `${link(ctx, '/clients')}?${new URLSearchParams({ ...Object.fromEntries(filters), ...extra }).toString()}`
    return page('Clients', html`${notice}${actions}${filterForm}
${adminTable({ caption: 'Registered clients', columns: ['Name', 'Client ID', 'Grant types', 'Authentication', 'Status'], rows, empty: 'No client matches.' })}
${adminPager({ next: next ? more({ cursor: next }) : undefined, first: cursor ? more({}) : undefined })}`)
  },
}

function createForm(request: ConsoleRequest, input: ClientForm, error?: string): SafeHtml {
  const { ctx, csrfToken } = request
  return html`${adminAlert(error)}${adminForm({ action: link(ctx, '/clients/new'), csrfToken, fields: clientFields(ctx, input, true), submit: 'Create client' })}`
}

const EMPTY_FORM: ClientForm = { client_name: '', client_id: '', redirect_uris: '', post_logout_redirect_uris: '', grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic', scopes: 'openid', skip_consent: false }

const showCreate: ConsolePage = {
  method: 'GET', path: '/clients/new', section: 'clients',
  handle: (request) => Promise.resolve(page('New client', createForm(request, EMPTY_FORM))),
}

const create: ConsolePage = {
  method: 'POST', path: '/clients/new', section: 'clients',
  async handle(request) {
    const input = formFromPost(request.form, true)
    const answer = await request.api('POST', '/clients', { body: apiBody(input, true) })
    const client = asClient(answer.body)
    if (answer.status !== 201 || !client) return page('New client', createForm(request, input, problemMessage(answer, 'client')), answer.status === 409 ? 409 : 400)
    const secret = (answer.body as { client_secret?: unknown }).client_secret
    if (typeof secret !== 'string') return { kind: 'redirect', to: `${clientPath(client.client_id)}?notice=created` }
    const shown = await keepForOneView(request, { client_id: client.client_id, client_secret: secret, made: 'created' })
    return { kind: 'redirect', to: `${clientPath(client.client_id, '/secret')}?shown=${shown}` }
  },
}

/** GET of one client through the API: the client and its ETag, or the page saying why not. */
async function readClient(request: ConsoleRequest): Promise<{ client: ClientView; etag: string } | ConsoleResult> {
  const answer = await request.api('GET', `/clients/${encodeURIComponent(request.params.client_id ?? '')}`)
  const client = asClient(answer.body)
  if (answer.status !== 200 || !client) {
    return page('Client', html`${adminAlert(problemMessage(answer, 'client'))}${adminLinks([{ href: link(request.ctx, '/clients'), label: 'All clients' }])}`, answer.status === 404 ? 404 : 502)
  }
  return { client, etag: answer.headers.get('etag') ?? '' }
}

const detail: ConsolePage = {
  method: 'GET', path: '/clients/{client_id}', section: 'clients',
  async handle(request) {
    const read = await readClient(request)
    if ('kind' in read) return read
    const { client } = read
    const { ctx } = request
    const uriList = (values: readonly string[]): SafeHtml => (values.length === 0 ? html`<span class="note">none</span>` : html`<pre class="mono">${values.join('\n')}</pre>`)
    const links = [
      { href: link(ctx, clientPath(client.client_id, '/edit')), label: 'Edit' },
      ...(hasSecret(client) ? [{ href: link(ctx, clientPath(client.client_id, '/rotate')), label: 'Rotate secret' }] : []),
      { href: link(ctx, clientPath(client.client_id, '/delete')), label: 'Delete' },
      { href: `${link(ctx, '/audit')}?${new URLSearchParams({ client: client.client_id }).toString()}`, label: 'Audit trail' },
    ]
    return page(client.client_name, html`${adminNotice(noticeOf(request, NOTICES))}
${adminDetails([
      ['Client ID', html`<span class="mono">${client.client_id}</span>`],
      ['Status', client.disabled ? 'Disabled' : 'Active'],
      ['Redirect URIs', uriList(client.redirect_uris)],
      ['Post-logout redirect URIs', uriList(client.post_logout_redirect_uris)],
      ['Grant types', client.grant_types.join(', ')],
      ['Client authentication', client.token_endpoint_auth_method],
      ['Scopes', client.scopes.join(' ')],
      ['Consent', client.skip_consent ? 'Skipped (first-party)' : 'Asked'],
      ['Registered by', client.registered_by],
      ['Created', time(client.created_at)],
      // Registration metadata is the registrant's text (RFC 7591 §5): shown, never made a link.
      ...(client.client_uri ? [['Home page (as registered)', html`<span class="mono">${client.client_uri}</span>`] as const] : []),
    ])}
${adminLinks(links)}`)
  },
}

function editForm(request: ConsoleRequest, client: ClientView, input: ClientForm, etag: string, error?: string): SafeHtml {
  const { ctx, csrfToken } = request
  return html`${adminAlert(error)}${adminForm({ action: link(ctx, clientPath(client.client_id, '/edit')), csrfToken, hidden: { etag, was_disabled: input.was_disabled ? 'yes' : 'no' }, fields: clientFields(ctx, input, false), submit: 'Save changes' })}
${adminLinks([{ href: link(ctx, clientPath(client.client_id)), label: 'Cancel' }])}`
}

const showEdit: ConsolePage = {
  method: 'GET', path: '/clients/{client_id}/edit', section: 'clients',
  async handle(request) {
    const read = await readClient(request)
    if ('kind' in read) return read
    return page(`Edit ${read.client.client_name}`, editForm(request, read.client, formFromClient(read.client), read.etag))
  },
}

const edit: ConsolePage = {
  method: 'POST', path: '/clients/{client_id}/edit', section: 'clients',
  async handle(request) {
    const clientId = request.params.client_id ?? ''
    const input = formFromPost(request.form, false)
    const etag = request.form.get('etag') ?? ''
    // RFC 9110 §13.1.1: the version the form was made from, so a change made meanwhile is a 412, not overwritten.
    const answer = await request.api('PATCH', `/clients/${encodeURIComponent(clientId)}`, { body: apiBody(input, false), headers: { 'if-match': etag } })
    if (answer.status === 200) return { kind: 'redirect', to: `${clientPath(clientId)}?notice=saved` }
    const shown: ClientView = { client_id: clientId, client_name: input.client_name || clientId, redirect_uris: [], post_logout_redirect_uris: [], grant_types: [], scopes: [], token_endpoint_auth_method: '', skip_consent: false, disabled: false, registered_by: '', created_at: 0 }
    return page(`Edit ${shown.client_name}`, editForm(request, shown, input, etag, problemMessage(answer, 'client')), answer.status === 412 ? 412 : answer.status === 404 ? 404 : 400)
  },
}

const showRotate: ConsolePage = {
  method: 'GET', path: '/clients/{client_id}/rotate', section: 'clients',
  async handle(request) {
    const read = await readClient(request)
    if ('kind' in read) return read
    const { client } = read
    return page(`Rotate the secret of ${client.client_name}`, adminConfirm({
      question: `Make a new secret for ${client.client_name}?`, detail: 'The current secret stops working at once: the client needs the new one before its next token request.',
      action: link(request.ctx, clientPath(client.client_id, '/rotate')), csrfToken: request.csrfToken, submit: 'Rotate secret', cancelHref: link(request.ctx, clientPath(client.client_id)),
    }))
  },
}

const rotate: ConsolePage = {
  method: 'POST', path: '/clients/{client_id}/rotate', section: 'clients',
  async handle(request) {
    const clientId = request.params.client_id ?? ''
    const answer = await request.api('POST', `/clients/${encodeURIComponent(clientId)}/secret`)
    const secret = (answer.body as { client_secret?: unknown } | undefined)?.client_secret
    if (answer.status !== 200 || typeof secret !== 'string') return page('Rotate secret', html`${adminAlert(problemMessage(answer, 'client'))}${adminLinks([{ href: link(request.ctx, clientPath(clientId)), label: 'Back to the client' }])}`, answer.status === 404 ? 404 : 400)
    const shown = await keepForOneView(request, { client_id: clientId, client_secret: secret, made: 'rotated' })
    return { kind: 'redirect', to: `${clientPath(clientId, '/secret')}?shown=${shown}` }
  },
}

/** GET after a create or rotation: the secret, this once. */
const secret: ConsolePage = {
  method: 'GET', path: '/clients/{client_id}/secret', section: 'clients',
  async handle(request) {
    const clientId = request.params.client_id ?? ''
    const back = adminLinks([{ href: link(request.ctx, clientPath(clientId)), label: 'Go to the client' }])
    const kept = await takeOneView(request, request.query.get('shown'))
    if (kept?.client_id !== clientId || kept.client_secret === undefined) {
      return page('Secret not shown again', html`<p>A client secret is shown only once, right after it was made. If it was not stored, rotate it to get a new one.</p>${back}`)
    }
    return page(kept.made === 'rotated' ? 'New client secret' : 'Client created', html`${adminNotice(kept.made === 'rotated' ? 'The secret was rotated: the old one no longer works.' : 'The client was created.')}
<p><strong>Copy the secret now: it is shown only this once.</strong> The server keeps only its hash.</p>
${adminDetails([['Client ID', html`<span class="mono">${clientId}</span>`]])}
${adminSecret({ id: 'client-secret', label: 'Client secret', value: kept.client_secret })}
${back}`)
  },
}

const showDelete: ConsolePage = {
  method: 'GET', path: '/clients/{client_id}/delete', section: 'clients',
  async handle(request) {
    const read = await readClient(request)
    if ('kind' in read) return read
    const { client } = read
    return page(`Delete ${client.client_name}`, adminConfirm({
      question: `Delete the client ${client.client_name} (${client.client_id})?`, detail: 'Its tokens stop working and its users\' consents go with it. This cannot be undone.',
      action: link(request.ctx, clientPath(client.client_id, '/delete')), csrfToken: request.csrfToken, submit: 'Delete client', cancelHref: link(request.ctx, clientPath(client.client_id)),
    }))
  },
}

const remove: ConsolePage = {
  method: 'POST', path: '/clients/{client_id}/delete', section: 'clients',
  async handle(request) {
    const clientId = request.params.client_id ?? ''
    const answer = await request.api('DELETE', `/clients/${encodeURIComponent(clientId)}`)
    if (answer.status === 204) return { kind: 'redirect', to: '/clients?notice=deleted' }
    return page('Delete client', html`${adminAlert(problemMessage(answer, 'client'))}${adminLinks([{ href: link(request.ctx, '/clients'), label: 'All clients' }])}`, answer.status === 404 ? 404 : 400)
  },
}

/** The clients section: the creation form's path comes before the pages of one client. */
export const CLIENT_PAGES: readonly ConsolePage[] = [list, showCreate, create, detail, showEdit, edit, showRotate, rotate, secret, showDelete, remove]
