import type { AccountSection } from '../context.js'
import { hasSecondFactor } from './totp-credential.js'
import { userRequiresMfa } from './policy.js'

/**
 * The `/account` page's two-step verification section (src/server/account/): whether TOTP is on, and the way
 * to `/account/two-factor`, which sets it up, renews recovery codes or turns it off. Order 30, between the
 * password (20) and connected apps (40).
 */
export const twoFactorAccountSection: AccountSection = {
  id: 'two-factor',
  order: 30,
  async render(ctx, { user, t }) {
    const href = ctx.urls.twoFactor
    if (href === undefined) return undefined
    const [enrolled, required] = await Promise.all([hasSecondFactor(ctx, user.id), userRequiresMfa(ctx, user.id)])
    const description = enrolled
      ? t.text('account.twoFactor.on')
      : required
        ? t.text('account.twoFactor.required')
        : t.text('account.twoFactor.off')
    return { id: 'two-factor', title: t.text('account.twoFactor.title'), description, links: [{ href, label: t.text(enrolled ? 'account.twoFactor.manage' : 'account.twoFactor.setUp') }] }
  },
}
