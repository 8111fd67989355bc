import { adminAlert, adminFilters, adminPager, adminTable, html } from '../../ui/index.js'
import { listOf, problemMessage } from './problems.js'
import type { ConsolePage } from './types.js'

/** An audit record as the admin API lists it. */
interface AuditEntry {
  id: string
  type: string
  time: number
  subject: string | null
  client_id: string | null
  details: Record<string, unknown>
}

/** The API's filters, under its own names: event type or family, user, client, time range. */
const FILTERS = ['type', 'user', 'client', 'since', 'until'] as const

const time = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')

/** Details are whatever the event recorded (a username typed at the login page too): text, escaped by `html`. */
function details(entry: AuditEntry): string {
  return Object.entries(entry.details ?? {}).map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', ')
}

const trail: ConsolePage = {
  method: 'GET', path: '/audit', section: 'audit',
  async handle(request) {
    const { ctx, query } = request
    const filters = new URLSearchParams()
    for (const name of FILTERS) {
      const value = query.get(name)?.trim()
      if (value) filters.set(name, value)
    }
    const cursor = query.get('cursor')
    const asked = new URLSearchParams(filters)
    asked.set('limit', '50')
    if (cursor) asked.set('cursor', cursor)
    const answer = await request.api('GET', `/audit?${asked.toString()}`)
    const base = `${ctx.config.issuer}/admin/audit`
    const form = adminFilters({
      action: base, label: 'Filter the audit trail',
      fields: [
        { kind: 'text', name: 'type', label: 'Event', value: filters.get('type') ?? '', hint: 'A type or family: login, token, client, admin…' },
        { kind: 'text', name: 'user', label: 'User', value: filters.get('user') ?? '', hint: 'Username or user id' },
        { kind: 'text', name: 'client', label: 'Client', value: filters.get('client') ?? '', hint: 'Client ID' },
        { kind: 'text', name: 'since', label: 'From', value: filters.get('since') ?? '', hint: 'e.g. 2026-01-31T12:00:00Z' },
        { kind: 'text', name: 'until', label: 'Until', value: filters.get('until') ?? '', hint: 'Same format; exclusive' },
      ],
    })
    if (answer.status !== 200) return { kind: 'page', title: 'Audit trail', body: html`${form}${adminAlert(problemMessage(answer, 'audit query'))}`, status: answer.status === 400 ? 400 : 502 }
    const { items, next } = listOf<AuditEntry>(answer)
    const rows = items.map((entry) => [
      time(entry.time), html`<span class="mono">${entry.type}</span>`, entry.subject ?? '', entry.client_id ?? '', details(entry),
    ])
    const more = (extra: Record<string, string>): string => `${base}?${new URLSearchParams({ ...Object.fromEntries(filters), ...extra }).toString()}`
    return {
      kind: 'page', title: 'Audit trail',
      body: html`${form}
${adminTable({ caption: 'Events, newest first', columns: ['Time', 'Event', 'Subject', 'Client', 'Details'], rows, empty: 'No event matches.' })}
${adminPager({ next: next ? more({ cursor: next }) : undefined, first: cursor ? more({}) : undefined })}`,
    }
  },
}

export const AUDIT_PAGES: readonly ConsolePage[] = [trail]
