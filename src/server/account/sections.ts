import type { AccountSection, ServerContext } from '../context.js'
import type { Translator } from '../pages.js'
import type { AccountSettings } from './options.js'
import { EMAIL_VERIFICATION } from './records.js'
import { liveSessions } from './grants.js'

function when(t: Translator, seconds: number): string {
  return t.text('account.time', { time: new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ') })
}

function route(ctx: ServerContext, path: string): string {
  return `${ctx.config.issuer}/account${path}`
}

/** Name fields, and the e-mail address (changed only through a link mailed to the new one, catalogue AC-05). */
export function profileSection(settings: AccountSettings): AccountSection {
  return {
    id: 'profile', order: 10,
    async render(ctx, { user, t }) {
      const pending = (await ctx.config.store.records.listBySubject(EMAIL_VERIFICATION, user.id)).find((record) => record.consumedAt === null && record.expiresAt > ctx.config.now())
      const status = user.email === null ? t.text('account.profile.noEmail') : t.text(user.email_verified ? 'account.profile.emailVerified' : 'account.profile.emailUnverified', { email: user.email })
      const parts = [t.text('account.profile.username', { username: user.username }), status, ...(pending ? [t.text('account.profile.pending', { email: pending.value.email })] : [])]
      return {
        id: 'profile', title: t.text('account.profile.title'), description: parts.join(' · '),
        forms: [
          {
            action: route(ctx, '/profile'), submitLabel: t.text('account.profile.save'),
            fields: [
              { name: 'name', label: t.text('account.profile.name'), type: 'text', value: user.name ?? '', autocomplete: 'name', required: false },
              { name: 'given_name', label: t.text('account.profile.givenName'), type: 'text', value: user.given_name ?? '', autocomplete: 'given-name', required: false },
              { name: 'family_name', label: t.text('account.profile.familyName'), type: 'text', value: user.family_name ?? '', autocomplete: 'family-name', required: false },
            ],
          },
          ...(settings.mailer
            ? [{ action: route(ctx, '/email'), submitLabel: t.text('account.profile.changeEmail'), fields: [{ name: 'email', label: t.text('account.profile.newEmail'), type: 'email' as const, autocomplete: 'email' }] }]
            : []),
          // A link that never arrived (or expired): a new one to the address waiting to be confirmed.
          ...(settings.mailer && (pending || (user.email !== null && !user.email_verified))
            ? [{ action: route(ctx, '/email/resend'), submitLabel: t.text('account.profile.resend'), secondary: true }]
            : []),
        ],
      }
    },
  }
}

/** Current password, then the new one (ASVS 6.2.3). */
export const passwordSection: AccountSection = {
  id: 'password', order: 20,
  render: (ctx, { t }) => ({
    id: 'password', title: t.text('account.password.title'), description: t.text('account.password.description'),
    forms: [{
      action: route(ctx, '/password'), submitLabel: t.text('account.password.submit'),
      fields: [
        { name: 'current_password', label: t.text('account.password.current'), type: 'password', autocomplete: 'current-password' },
        { name: 'new_password', label: t.text('account.password.new'), type: 'password', autocomplete: 'new-password' },
      ],
    }],
  }),
}

/** The apps the user allowed (their consents); disconnecting one revokes what it was given. */
export const connectedAppsSection: AccountSection = {
  id: 'apps', order: 40,
  async render(ctx, { user, t }) {
    const consents = await ctx.config.store.consents.listByUser(user.id)
    const items = []
    for (const consent of consents) {
      // The stored client only: listing apps must not fetch a metadata document (its id is its URL anyway).
      const client = await ctx.config.store.clients.get(consent.client_id)
      items.push({
        label: client?.client_name ?? consent.client_id,
        detail: t.text('account.apps.allowed', { time: when(t, consent.updated_at), scopes: consent.scopes.join(', ') }),
        action: { action: route(ctx, '/apps/revoke'), submitLabel: t.text('account.apps.disconnect'), secondary: true, hidden: { client_id: consent.client_id } },
      })
    }
    return { id: 'apps', title: t.text('account.apps.title'), items, empty: t.text('account.apps.empty') }
  },
}

/** The user's sessions at this server: sign out one, or every one (catalogue AC-09 (b)). */
export const sessionsSection: AccountSection = {
  id: 'sessions', order: 50,
  async render(ctx, { user, session, t }) {
    const sessions = await liveSessions(ctx.config.store, user.id, ctx.config.now())
    return {
      id: 'sessions', title: t.text('account.sessions.title'),
      items: sessions.map((entry) => ({
        label: t.text('account.sessions.signedIn', { time: when(t, entry.authTime) }),
        detail: t.text('account.sessions.ends', { time: when(t, entry.expiresAt) }),
        ...(entry.key === session.id_hash ? { badge: t.text('account.sessions.thisBrowser') } : {}),
        action: { action: route(ctx, '/sessions/revoke'), submitLabel: t.text('account.sessions.signOut'), secondary: true, hidden: { session: entry.sid } },
      })),
      empty: t.text('account.sessions.empty'),
      forms: [{ action: route(ctx, '/sessions/revoke-all'), submitLabel: t.text('account.sessions.signOutAll'), secondary: true }],
    }
  },
}
