import type { Capability } from '../context.js'
import { twoFactorAccountSection } from './account-section.js'
import { ACR_VALUES } from './assurance.js'
import { MFA_AUDIT_EVENTS } from './audit-events.js'
import { twoFactorSettingsEndpoint } from './two-factor-settings.js'

export { ACR_MFA, ACR_PASSWORD, ACR_VALUES } from './assurance.js'
export { grantMeetsPolicy, setClientRequireMfa, setUserRequireMfa } from './policy.js'
export { removeSecondFactor } from './totp-credential.js'

/**
 * Second factors (TOTP, RFC 6238, with single-use recovery codes), the MFA policy and truthful `acr`/`amr`
 * (OIDC Core §2, RFC 8176), step-up by `acr_values`/`max_age` (RFC 9470 §4). The login's second step is a
 * route of the interaction (`/interaction/{id}/second-factor`, src/server/mfa/second-step.ts); this
 * capability adds the account page `/account/two-factor` (linked from `/account` by its section), the
 * discovery members and the audit events.
 * Another method (passkeys) plugs in beside TOTP in `second-step.ts` and `assurance.ts`.
 */
export const secondFactors: Capability = {
  name: 'second-factors',
  spec: 'RFC 6238, RFC 4226, RFC 8176, RFC 9470, OpenID Connect Core 1.0 §2, §3.1.2.1, §5.5.1.1',
  endpoints: [{ name: 'twoFactor', path: '/account/two-factor', methods: ['GET', 'POST'], html: true, handle: (ctx, req) => twoFactorSettingsEndpoint(ctx, req) }],
  metadata: () => ({ acr_values_supported: [...ACR_VALUES] }),
  auditEvents: MFA_AUDIT_EVENTS,
  accountSections: [twoFactorAccountSection],
}
