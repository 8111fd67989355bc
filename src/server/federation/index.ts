import type { Capability } from '../context.js'
import { connectedAccountsSection } from './account-section.js'
import { FEDERATION_AUDIT_EVENTS } from './audit-events.js'
import { federationHandlers } from './endpoints.js'
import { resolveFederation, type FederationOptions } from './options.js'

export type { FederationOptions, MappedAttribute, UpstreamProvider } from './options.js'
export { LINK_CSRF_PURPOSE } from './endpoints.js'
export { setClientUpstreams, clientUpstreams } from './records.js'

const ID = '([A-Za-z0-9_-]{1,64})'

/**
 * Federated login at the authorization server: "Continue with …" on Tessera's own login page for upstream
 * identity providers — any OpenID Connect issuer by discovery, or a `tessera-oidc/client` preset (Google,
 * GitHub, Microsoft, GitLab …) — signed in with the relying party's own checks (`state`, `nonce`, PKCE
 * S256, RFC 9207 `iss`, ID token validation, userinfo `sub`). Users are provisioned just in time and keyed
 * by (upstream issuer, subject), never by e-mail; a signed-in user may link an identity to their account.
 * The upstream's tokens never leave the server, nor are they stored. The session's `amr` is `fed` (with
 * `otp` and `mfa` when the local second factor followed, src/server/mfa/).
 *
 * Routes below `/federation`: `POST /<id>/login` (the login page's buttons), `GET /<id>/callback` (the
 * redirect URI to register at the upstream, one per upstream), `POST /<id>/link` and `POST /<id>/unlink`
 * (forms of the signed-in user, carrying the session CSRF token of purpose `LINK_CSRF_PURPOSE` or the
 * account page's), which the account page's "Connected accounts" section shows.
 *
 * @example
 * ```ts
 * await createAuthorizationServer({ issuer, store, secret, capabilities: [
 *   federation({ upstreams: [{ id: 'google', preset: 'google', clientId, clientSecret }] }),
 * ] })
 * ```
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClaimStability
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.4
 */
export function federation(options: FederationOptions): Capability {
  const resolved = resolveFederation(options)
  const handlers = federationHandlers(resolved)
  return {
    name: 'federation',
    spec: 'OpenID Connect Core 1.0 §3.1 (as a relying party), RFC 9700 §4.4',
    endpoints: [{
      name: 'federation',
      path: '/federation',
      html: true,
      below: [
        { pattern: new RegExp(`^/${ID}/login$`), methods: ['POST'], handle: handlers.login },
        // POST for upstreams answering with response_mode=form_post (Apple).
        { pattern: new RegExp(`^/${ID}/callback$`), methods: ['GET', 'POST'], handle: handlers.callback },
        { pattern: new RegExp(`^/${ID}/link$`), methods: ['POST'], handle: handlers.link },
        { pattern: new RegExp(`^/${ID}/unlink$`), methods: ['POST'], handle: handlers.unlink },
      ],
    }],
    auditEvents: FEDERATION_AUDIT_EVENTS,
    loginMethods: { choices: handlers.choices, hinted: handlers.hinted },
    accountSections: [connectedAccountsSection(resolved)],
  }
}
