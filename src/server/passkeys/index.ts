import { javascriptResponse } from './script.js'
import type { Capability } from '../context.js'
import { passkeysAccountSection } from './account-section.js'
import { PASSKEY_AUDIT_EVENTS } from './audit-events.js'
import { resolvePasskeyOptions, type PasskeyOptions } from './options.js'
import { passkeySettingsEndpoint } from './settings.js'
import { passkeyChoices, passkeySignIn } from './sign-in.js'

export type { PasskeyOptions } from './options.js'
export type { PasskeyFailure } from './audit-events.js'
export { keyMethod } from './ceremony.js'

/**
 * Passkeys (WebAuthn Level 3, with `@simplewebauthn/server`): registered from the account page
 * (`/account/passkeys`, after a recent sign-in), then used to sign in without a password — "Sign in with a
 * passkey" on the login page, a discoverable credential with user verification, `amr` `hwk` or `swk` with
 * `mfa` — or as the second step after a password, next to TOTP (src/server/mfa/). The relying party id is
 * the issuer's host (or `rpId`), the expected origin the issuer's origin; challenges are single use, short
 * lived and bound to the interaction or the session; the signature counter and the backup-eligibility flag
 * are checked (catalogue MF-04 to MF-06).
 *
 * Routes: `POST /passkeys/sign-in/<interaction>` (the WebAuthn step of a login), `GET /passkeys/script.js`
 * (the one script, loaded with the page's CSP nonce), `GET|POST /account/passkeys`.
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [passkeys({ rpId: 'example.com' })] })
 * ```
 * @see https://www.w3.org/TR/webauthn-3/
 * @see https://www.rfc-editor.org/rfc/rfc8176#section-2
 */
export function passkeys(options: PasskeyOptions = {}): Capability {
  const resolved = resolvePasskeyOptions(options)
  return {
    name: 'passkeys',
    spec: 'W3C Web Authentication Level 3, RFC 8176',
    endpoints: [
      {
        name: 'passkeys',
        path: '/passkeys',
        html: true,
        below: [
          { pattern: /^\/sign-in\/([A-Za-z0-9_-]{1,64})$/, methods: ['POST'], handle: (ctx, request, [id]) => passkeySignIn(ctx, resolved, request, id ?? '') },
          { pattern: /^\/script\.js$/, methods: ['GET'], handle: () => javascriptResponse() },
        ],
      },
      { name: 'passkeySettings', path: '/account/passkeys', methods: ['GET', 'POST'], html: true, handle: (ctx, request) => passkeySettingsEndpoint(ctx, resolved, request) },
    ],
    auditEvents: PASSKEY_AUDIT_EVENTS,
    accountSections: [passkeysAccountSection],
    loginMethods: { choices: passkeyChoices, hinted: () => Promise.resolve(undefined) },
  }
}
