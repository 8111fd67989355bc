import type { AccountSection, ServerContext } from '../context.js'
import type { AccountSettings } from './options.js'
import { EMAIL_VERIFICATION } from './records.js'
import { liveSessions } from './grants.js'

function when(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

function route(ctx: ServerContext, path: string): string {
  return `${ctx.config.issuer}/account${path}`
}

/** Name fields, and the e-mail address (changed only through a link mailed to the new one, catalogue AC-05). */
export function profileSection(settings: AccountSettings): AccountSection {
  return {
    id: 'profile', order: 10,
    async render(ctx, { user }) {
      const pending = (await ctx.config.store.records.listBySubject(EMAIL_VERIFICATION, user.id)).find((record) => record.consumedAt === null && record.expiresAt > ctx.config.now())
      const status = user.email === null ? 'No e-mail address' : `${user.email} (${user.email_verified ? 'verified' : 'not verified'})`
      return {
        id: 'profile', title: 'Profile', description: `Username ${user.username} · ${status}${pending ? ` · waiting for ${pending.value.email} to be confirmed` : ''}`,
        forms: [
          {
            action: route(ctx, '/profile'), submitLabel: 'Save profile',
            fields: [
              { name: 'name', label: 'Full name', type: 'text', value: user.name ?? '', autocomplete: 'name', required: false },
              { name: 'given_name', label: 'Given name', type: 'text', value: user.given_name ?? '', autocomplete: 'given-name', required: false },
              { name: 'family_name', label: 'Family name', type: 'text', value: user.family_name ?? '', autocomplete: 'family-name', required: false },
            ],
          },
          ...(settings.mailer
            ? [{ action: route(ctx, '/email'), submitLabel: 'Change e-mail address', fields: [{ name: 'email', label: 'New e-mail address', type: 'email' as const, autocomplete: 'email' }] }]
            : []),
        ],
      }
    },
  }
}

/** Current password, then the new one (ASVS 6.2.3). */
export const passwordSection: AccountSection = {
  id: 'password', order: 20,
  render: (ctx) => ({
    id: 'password', title: 'Password', description: 'Changing it signs out your other sessions and makes apps sign in again.',
    forms: [{
      action: route(ctx, '/password'), submitLabel: 'Change password',
      fields: [
        { name: 'current_password', label: 'Current password', type: 'password', autocomplete: 'current-password' },
        { name: 'new_password', label: 'New password', type: 'password', autocomplete: 'new-password' },
      ],
    }],
  }),
}

/** The apps the user allowed (their consents); disconnecting one revokes what it was given. */
export const connectedAppsSection: AccountSection = {
  id: 'apps', order: 40,
  async render(ctx, { user }) {
    const consents = await ctx.config.store.consents.listByUser(user.id)
    const items = []
    for (const consent of consents) {
      // The stored client only: listing apps must not fetch a metadata document (its id is its URL anyway).
      const client = await ctx.config.store.clients.get(consent.client_id)
      items.push({
        label: client?.client_name ?? consent.client_id,
        detail: `Allowed ${when(consent.updated_at)}: ${consent.scopes.join(', ')}`,
        action: { action: route(ctx, '/apps/revoke'), submitLabel: 'Disconnect', secondary: true, hidden: { client_id: consent.client_id } },
      })
    }
    return { id: 'apps', title: 'Connected apps', items, empty: 'No app has access to your account.' }
  },
}

/** The user's sessions at this server: sign out one, or every one (catalogue AC-09 (b)). */
export const sessionsSection: AccountSection = {
  id: 'sessions', order: 50,
  async render(ctx, { user, session }) {
    const sessions = await liveSessions(ctx.config.store, user.id, ctx.config.now())
    return {
      id: 'sessions', title: 'Where you are signed in',
      items: sessions.map((entry) => ({
        label: `Signed in ${when(entry.authTime)}`,
        detail: `Ends ${when(entry.expiresAt)} at the latest`,
        ...(entry.key === session.id_hash ? { badge: 'this browser' } : {}),
        action: { action: route(ctx, '/sessions/revoke'), submitLabel: 'Sign out', secondary: true, hidden: { session: entry.sid } },
      })),
      empty: 'No sessions.',
      forms: [{ action: route(ctx, '/sessions/revoke-all'), submitLabel: 'Sign out everywhere', secondary: true }],
    }
  },
}
