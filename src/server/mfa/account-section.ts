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
  async render(ctx, { user }) {
    const href = ctx.urls.twoFactor
    if (href === undefined) return undefined
    const [enrolled, required] = await Promise.all([hasSecondFactor(ctx, user.id), userRequiresMfa(ctx, user.id)])
    const description = enrolled
      ? 'On: signing in asks for a code from your authenticator app after your password.'
      : required
        ? 'Required for your account: you will set it up at your next sign-in, or now.'
        : 'Off: add a code from an authenticator app to your password.'
    return { id: 'two-factor', title: 'Two-step verification', description, links: [{ href, label: enrolled ? 'Manage two-step verification' : 'Set up two-step verification' }] }
  },
}
