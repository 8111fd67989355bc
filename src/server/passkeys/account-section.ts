import { passkeyCredentials } from '../../storage/kinds/passkeys.js'
import type { AccountSection } from '../context.js'

/**
 * The `/account` page's passkeys section: how many the user has, and the way to `/account/passkeys`, which
 * adds, renames and removes them. Order 35, after two-step verification (30), before connected apps (40).
 */
export const passkeysAccountSection: AccountSection = {
  id: 'passkeys',
  order: 35,
  async render(ctx, { user }) {
    const href = ctx.urls.passkeySettings
    if (href === undefined) return undefined
    const count = (await passkeyCredentials(ctx.config.store.records).listByUser(user.id)).length
    const description = count === 0
      ? 'Sign in with your device’s screen lock instead of a password.'
      : `${String(count)} passkey${count === 1 ? '' : 's'}: sign in without your password, or confirm a sign-in with one.`
    return { id: 'passkeys', title: 'Passkeys', description, links: [{ href, label: count === 0 ? 'Add a passkey' : 'Manage passkeys' }] }
  },
}
