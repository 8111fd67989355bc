import { passkeyCredentials } from '../../storage/kinds/passkeys.js'
import type { AccountSection } from '../context.js'

/**
 * The `/account` page's passkeys section: how many the user has, and the way to `/account/passkeys`, which
 * adds, renames and removes them. Order 35, after two-step verification (30), before connected apps (40).
 */
export const passkeysAccountSection: AccountSection = {
  id: 'passkeys',
  order: 35,
  async render(ctx, { user, t }) {
    const href = ctx.urls.passkeySettings
    if (href === undefined) return undefined
    const count = (await passkeyCredentials(ctx.config.store.records).listByUser(user.id)).length
    const description = count === 0 ? t.text('passkey.account.none') : count === 1 ? t.text('passkey.account.countOne') : t.text('passkey.account.count', { count })
    return { id: 'passkeys', title: t.text('passkey.account.title'), description, links: [{ href, label: t.text(count === 0 ? 'passkey.account.add' : 'passkey.account.manage') }] }
  },
}
