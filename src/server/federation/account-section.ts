import { federatedIdentities } from '../../storage/kinds/federated-identities.js'
import type { AccountSection } from '../context.js'
import type { AccountForm, AccountItem, Translator } from '../pages.js'
import { otherWayToSignIn } from './endpoints.js'
import type { ResolvedFederation } from './options.js'

function when(t: Translator, seconds: number): string {
  return t.text('account.time', { time: new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ') })
}

/**
 * The `/account` page's "Connected accounts" section (order 38, after passkeys, before connected apps): the
 * user's identities at upstream providers, each with a form to remove it — left out where it is the only
 * way to sign in (no password, no passkey, no identity at another configured upstream) — and a form to link
 * each configured upstream not linked yet. The forms post to `/federation/<id>/link|unlink` with the page's
 * CSRF token; linking starts the upstream's login only within `linkMaxAge` of the session's sign-in
 * (catalogue FD-03), so a stale session is told to sign in again instead.
 */
export function connectedAccountsSection(federation: ResolvedFederation): AccountSection {
  return {
    id: 'identities',
    order: 38,
    async render(ctx, { user, session, t }) {
      const base = ctx.urls.federation ?? `${ctx.config.issuer}/federation`
      const accountPath = new URL(ctx.urls.account ?? `${ctx.config.issuer}/account`).pathname
      const identities = await federatedIdentities(ctx.config.store.records).listByUser(user.id)
      const items: AccountItem[] = []
      for (const identity of identities) {
        const upstream = federation.upstreams.get(identity.upstream)
        const linked = t.text(identity.origin === 'provisioned' ? 'account.identities.provisioned' : 'account.identities.linked', { time: when(t, identity.linked_at) })
        const removable = await otherWayToSignIn(ctx, federation, user, identity.upstream)
        items.push({
          label: upstream?.label ?? identity.upstream,
          detail: removable ? linked : `${linked} · ${t.text('account.identities.onlyWay')}`,
          ...(removable
            ? { action: { action: `${base}/${identity.upstream}/unlink`, submitLabel: t.text('account.identities.unlink'), secondary: true, hidden: { return_to: `${accountPath}?notice=identity-unlinked` } } }
            : {}),
        })
      }
      const linkedUpstreams = new Set(identities.map((identity) => identity.upstream))
      const fresh = ctx.config.now() - session.auth_time <= federation.linkMaxAge
      const forms: AccountForm[] = fresh
        ? [...federation.upstreams.values()].filter((upstream) => !linkedUpstreams.has(upstream.id)).map((upstream) => ({
            action: `${base}/${upstream.id}/link`,
            submitLabel: t.text('account.identities.link', { provider: upstream.label }),
            hidden: { return_to: `${accountPath}?notice=identity-linked` },
          }))
        : []
      const unlinked = [...federation.upstreams.keys()].some((id) => !linkedUpstreams.has(id))
      return {
        id: 'identities',
        title: t.text('account.identities.title'),
        description: !fresh && unlinked ? `${t.text('account.identities.description')} ${t.text('account.identities.reauthenticate')}` : t.text('account.identities.description'),
        items,
        empty: t.text('account.identities.empty'),
        forms,
      }
    },
  }
}
