import { renderAccountFormPage, renderAccountPage, type AccountFormView, type AccountView } from './pages/account.js'
import { renderConsentPage } from './pages/consent.js'
import { renderDevicePage } from './pages/device.js'
import { renderErrorPage } from './pages/error.js'
import { renderLoginPage } from './pages/login.js'
import { renderLoggedOutPage, renderLogoutConfirmPage } from './pages/logout.js'
import { renderPasskeySettingsPage, renderPasskeySignInPage, type PasskeySettingsView, type PasskeySignInView } from './pages/passkeys.js'
import { renderSecondFactorPage, renderTwoFactorSettingsPage, type TotpEnrolmentView, type TwoFactorSettingsView } from './pages/two-factor.js'
import { describeScopes } from './scopes.js'

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
}

/**
 * Renders the authorization server's pages. Each method returns a complete HTML document; `nonce` is the
 * CSP nonce of the response, the only way an inline `<style>` is allowed (no scripts, no external
 * resources: see `htmlSecurityHeaders`). Values from a view model must be HTML-escaped.
 *
 * @example
 * const pages: PageRenderer = { ...defaultPageRenderer, error: (view, nonce) => myErrorTemplate(view, nonce) }
 */
export interface PageRenderer {
  /** The sign-in page. */
  login(view: LoginView, nonce: string): string
  /** The consent page. */
  consent(view: ConsentView, nonce: string): string
  /** The page asking to confirm a logout. */
  logoutConfirm(view: LogoutConfirmView, nonce: string): string
  /** The page shown after a logout. */
  loggedOut(view: LoggedOutView, nonce: string): string
  /** An error shown to the user instead of a redirect. */
  error(view: ErrorView, nonce: string): string
  /** The signed-in user's account page (src/server/account/). */
  account(view: AccountView, nonce: string): string
  /** A one-form account page: forgot password, new password, registration, address confirmation. */
  accountForm(view: AccountFormView, nonce: string): string
  /** The second step of a sign-in (TOTP or recovery code), or enrolment when policy requires it. */
  secondFactor(view: SecondFactorView, nonce: string): string
  /** The account's two-factor settings. */
  twoFactorSettings(view: TwoFactorSettingsView, nonce: string): string
  /** The device flow's verification page (src/server/device/). */
  device(view: DeviceView, nonce: string): string
  /** The passkey step of a sign-in (WebAuthn; the one page kind that runs a script, under the nonce). */
  passkeySignIn(view: PasskeySignInView, nonce: string): string
  /** The account's passkeys: list, rename, remove, add. */
  passkeySettings(view: PasskeySettingsView, nonce: string): string
}

/**
 * Tessera's own pages (src/ui/pages/).
 *
 * @example defaultPageRenderer.error({ title: 'Access denied', message: 'The user denied the request.' }, newNonce())
 */
export const defaultPageRenderer: PageRenderer = {
  login: (view, nonce) => renderLoginPage({ ...view, nonce }),
  consent: ({ scopes, scopeDescriptions, resources = [], ...view }, nonce) => {
    const owned = new Set(resources.flatMap((resource) => resource.scopes))
    return renderConsentPage({
      ...view,
      nonce,
      scopes: describeScopes(resources.length > 0 ? scopes.filter((scope) => !owned.has(scope)) : scopes, scopeDescriptions),
      resources: resources.map((resource) => ({ identifier: resource.identifier, scopes: describeScopes(resource.scopes, scopeDescriptions) })),
    })
  },
  logoutConfirm: (view, nonce) => renderLogoutConfirmPage({ ...view, nonce }),
  loggedOut: (_view, nonce) => renderLoggedOutPage({ nonce }),
  error: (view, nonce) => renderErrorPage({ ...view, nonce }),
  account: (view, nonce) => renderAccountPage({ ...view, nonce }),
  accountForm: (view, nonce) => renderAccountFormPage({ ...view, nonce }),
  secondFactor: (view, nonce) => renderSecondFactorPage({ ...view, nonce }),
  twoFactorSettings: (view, nonce) => renderTwoFactorSettingsPage({ ...view, nonce }),
  device: ({ scopes = [], scopeDescriptions = {}, ...view }, nonce) => renderDevicePage({ ...view, nonce, scopes: describeScopes(scopes, scopeDescriptions) }),
  passkeySignIn: (view, nonce) => renderPasskeySignInPage({ ...view, nonce }),
  passkeySettings: (view, nonce) => renderPasskeySettingsPage({ ...view, nonce }),
}

/** The methods a `PageRenderer` must have, for validating one given in configuration. */
export const PAGE_RENDERER_METHODS: readonly (keyof PageRenderer)[] = ['login', 'consent', 'logoutConfirm', 'loggedOut', 'error', 'account', 'accountForm', 'secondFactor', 'twoFactorSettings', 'device', 'passkeySignIn', 'passkeySettings']
