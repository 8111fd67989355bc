import { renderAccountFormPage, renderAccountPage, type AccountFormView, type AccountView } from './pages/account.js'
import { renderConsentPage } from './pages/consent.js'
import { renderDevicePage } from './pages/device.js'
import { renderErrorPage } from './pages/error.js'
import { renderLoginPage } from './pages/login.js'
import { renderLoggedOutPage, renderLogoutConfirmPage } from './pages/logout.js'
import { renderPasskeySettingsPage, renderPasskeySignInPage, type PasskeySettingsView, type PasskeySignInView } from './pages/passkeys.js'
import { renderSecondFactorPage, renderTwoFactorSettingsPage, type TotpEnrolmentView, type TwoFactorSettingsView } from './pages/two-factor.js'
import { describeScopes } from './scopes.js'
import type { PageEnvironment } from './layout.js'

/*
 * The contract between the authorization server and its pages: the server fills view models (plain data,
 * no HTML) and a `PageRenderer` turns each into a document. The server never sees how a page is built, so
 * a theme or other templates replace the renderer, not server code.
 */

/** The sign-in form, POSTed back with `username`, `password`, the `hidden` fields and `csrf_token`. */
export interface LoginView {
  /** Where the form posts. */
  action: string
  /** Fields to send back as they are; a renderer must not let them override the form's own. */
  hidden: Readonly<Record<string, string>>
  csrfToken: string
  clientName: string
  /** Prefilled username: the `login_hint`, or what was typed before a failed attempt. */
  username?: string
  /** Why the previous attempt failed, client-safe text. */
  error?: string
  /** "Forgot password?" and the like under the form (the account capability's, when mail is configured). */
  links?: readonly { href: string; label: string }[]
  /**
   * Other ways to sign in ("Continue with Google"): each a button POSTing its `hidden` fields and the CSRF
   * token to its `action`.
   */
  alternatives?: readonly LoginAlternative[]
}

/** One "Continue with …" button of the login page. */
export interface LoginAlternative {
  readonly label: string
  readonly action: string
  readonly hidden: Readonly<Record<string, string>>
}

/** The consent prompt, POSTed back with `decision=allow|deny`, the `hidden` fields and `csrf_token`. */
export interface ConsentView {
  action: string
  hidden: Readonly<Record<string, string>>
  csrfToken: string
  clientName: string
  /** The signed-in user's display name. */
  userName: string
  /** The requested scopes, in request order (possibly with repeats). */
  scopes: readonly string[]
  /** The operator's plain-words descriptions of API scopes (`ResourceConfig.scopes`). */
  scopeDescriptions: Readonly<Record<string, string>>
  /**
   * The APIs the request names (RFC 8707 §2.1), each with the requested scopes that are its own: the page
   * lists each under its identifier (ASVS 10.7.2: consent names the resource servers). Absent or empty:
   * one list of every scope.
   */
  resources?: readonly ConsentResource[]
  /**
   * Nobody vetted the client (registered dynamically, RFC 7591 §5, or known by a client ID metadata
   * document): its name is only its own claim.
   */
  unverified?: boolean
  /**
   * The host of a client whose `client_id` is the URL of its metadata document: who published the client,
   * the one thing about it that nobody can fake (draft-ietf-oauth-client-id-metadata-document §6.4).
   */
  clientHost?: string
  /** The host the answer goes to (the redirect URI's, IDN in punycode); empty for a private-use scheme. */
  redirectHost?: string
  /** Every redirect URI of the client is on the user's own machine (loopback): say so (catalogue DR-07). */
  localhostOnly?: boolean
}

/** One API on the consent page: its resource identifier and the requested scopes it owns. */
export interface ConsentResource {
  identifier: string
  scopes: readonly string[]
}

/**
 * The second step of a sign-in, POSTed back with `code` (a TOTP or a recovery code), the `hidden` fields
 * and `csrf_token`. With `enrolment`, the user must first add the key to an app (policy requires a second
 * factor); with `recoveryCodes` (shown once) the enrolment is done and `continueUrl` leads on.
 */
export interface SecondFactorView {
  action: string
  hidden: Readonly<Record<string, string>>
  csrfToken: string
  clientName: string
  enrolment?: TotpEnrolmentView
  recoveryCodes?: readonly string[]
  continueUrl?: string
  error?: string
  /**
   * The user has a passkey: a button POSTing the CSRF token to `passkey.action` offers it instead of a code;
   * with `only`, the user has no TOTP and the page offers the passkey alone.
   */
  passkey?: { action: string; only?: boolean }
}

export type { PasskeySettingsView, PasskeySignInView, TotpEnrolmentView, TwoFactorSettingsView }

/**
 * The device flow's verification page (RFC 8628 §3.3): `enter` the user code (POSTed as `user_code` with
 * `csrf_token`), `confirm` it (POSTed with `decision=approve|deny`), `done`.
 */
export interface DeviceView {
  step: 'enter' | 'confirm' | 'done'
  action: string
  csrfToken: string
  /** The signed-in user's display name. */
  userName: string
  /** Prefilled (`enter`), or the code to compare with the device (`confirm`), as `XXXX-XXXX`. */
  userCode?: string
  /** Why the code was not accepted, client-safe text. */
  error?: string
  clientName?: string
  /** The requested scopes (`confirm`). */
  scopes?: readonly string[]
  scopeDescriptions?: Readonly<Record<string, string>>
  /** Nobody vetted the client (registered dynamically): its name is only its own claim. */
  unverified?: boolean
  outcome?: 'approved' | 'denied'
}

/** "Sign out?", POSTed back with the `hidden` fields and `csrf_token`. */
export interface LogoutConfirmView {
  action: string
  hidden: Readonly<Record<string, string>>
  csrfToken: string
  /** The client asking for the logout, when known. */
  clientName?: string
}

/** "You have been signed out": nothing to show yet but the fact. */
export type LoggedOutView = Record<string, never>

/** A page shown instead of redirecting (RFC 6749 §4.1.2.1); every text is client-safe. */
export interface ErrorView {
  title: string
  message: string
  /** The RFC 6749 error code. */
  code?: string
  /** The server's own description when it has no translation into the page's language (shown marked as English). */
  detail?: string
}

/**
 * Renders the authorization server's pages: the override point for templates. Each method returns a
 * complete HTML document; `nonce` is the CSP nonce of the response, the only way an inline `<style>` (or a
 * theme's `<link rel=stylesheet>`) is allowed (no scripts, no external resources: see
 * `htmlSecurityHeaders`). Values from a view model must be HTML-escaped. `env` carries the page's language
 * (`env.t.text(key)`, `env.t.locale` for `<html lang>`) and the operator's theme; a renderer written
 * before it existed may ignore it.
 *
 * @example
 * const pages: PageRenderer = { ...defaultPageRenderer, error: (view, nonce, env) => myErrorTemplate(view, nonce, env) }
 */
export interface PageRenderer {
  /** The sign-in page. */
  login(view: LoginView, nonce: string, env?: PageEnvironment): string
  /** The consent page. */
  consent(view: ConsentView, nonce: string, env?: PageEnvironment): string
  /** The page asking to confirm a logout. */
  logoutConfirm(view: LogoutConfirmView, nonce: string, env?: PageEnvironment): string
  /** The page shown after a logout. */
  loggedOut(view: LoggedOutView, nonce: string, env?: PageEnvironment): string
  /** An error shown to the user instead of a redirect. */
  error(view: ErrorView, nonce: string, env?: PageEnvironment): string
  /** The signed-in user's account page (src/server/account/). */
  account(view: AccountView, nonce: string, env?: PageEnvironment): string
  /** A one-form account page: forgot password, new password, registration, address confirmation. */
  accountForm(view: AccountFormView, nonce: string, env?: PageEnvironment): string
  /** The second step of a sign-in (TOTP or recovery code), or enrolment when policy requires it. */
  secondFactor(view: SecondFactorView, nonce: string, env?: PageEnvironment): string
  /** The account's two-factor settings. */
  twoFactorSettings(view: TwoFactorSettingsView, nonce: string, env?: PageEnvironment): string
  /** The device flow's verification page (src/server/device/). */
  device(view: DeviceView, nonce: string, env?: PageEnvironment): string
  /** The passkey step of a sign-in (WebAuthn; the one page kind that runs a script, under the nonce). */
  passkeySignIn(view: PasskeySignInView, nonce: string, env?: PageEnvironment): string
  /** The account's passkeys: list, rename, remove, add. */
  passkeySettings(view: PasskeySettingsView, nonce: string, env?: PageEnvironment): string
}

/**
 * Tessera's own pages (src/ui/pages/).
 *
 * @example defaultPageRenderer.error({ title: 'Access denied', message: 'The user denied the request.' }, newNonce())
 */
export const defaultPageRenderer: PageRenderer = {
  login: (view, nonce, env) => renderLoginPage({ ...view, nonce, env }),
  consent: ({ scopes, scopeDescriptions, resources = [], ...view }, nonce, env) => {
    const t = env?.t
    const owned = new Set(resources.flatMap((resource) => resource.scopes))
    return renderConsentPage({
      ...view,
      nonce,
      env,
      scopes: describeScopes(resources.length > 0 ? scopes.filter((scope) => !owned.has(scope)) : scopes, scopeDescriptions, t),
      resources: resources.map((resource) => ({ identifier: resource.identifier, scopes: describeScopes(resource.scopes, scopeDescriptions, t) })),
    })
  },
  logoutConfirm: (view, nonce, env) => renderLogoutConfirmPage({ ...view, nonce, env }),
  loggedOut: (_view, nonce, env) => renderLoggedOutPage({ nonce, env }),
  error: (view, nonce, env) => renderErrorPage({ ...view, nonce, env }),
  account: (view, nonce, env) => renderAccountPage({ ...view, nonce, env }),
  accountForm: (view, nonce, env) => renderAccountFormPage({ ...view, nonce, env }),
  secondFactor: (view, nonce, env) => renderSecondFactorPage({ ...view, nonce, env }),
  twoFactorSettings: (view, nonce, env) => renderTwoFactorSettingsPage({ ...view, nonce, env }),
  device: ({ scopes = [], scopeDescriptions = {}, ...view }, nonce, env) => renderDevicePage({ ...view, nonce, env, scopes: describeScopes(scopes, scopeDescriptions, env?.t) }),
  passkeySignIn: (view, nonce, env) => renderPasskeySignInPage({ ...view, nonce, env }),
  passkeySettings: (view, nonce, env) => renderPasskeySettingsPage({ ...view, nonce, env }),
}

/** The methods a `PageRenderer` must have, for validating one given in configuration. */
export const PAGE_RENDERER_METHODS: readonly (keyof PageRenderer)[] = ['login', 'consent', 'logoutConfirm', 'loggedOut', 'error', 'account', 'accountForm', 'secondFactor', 'twoFactorSettings', 'device', 'passkeySignIn', 'passkeySettings']
