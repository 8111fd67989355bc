/**
 * Server-rendered interaction pages (sign-in, consent, logout, errors) as pure functions returning HTML, and the
 * security headers to send with them. No scripts, no external resources; one inline stylesheet under a CSP nonce.
 * The authorization server uses them only through this module: the `PageRenderer` contract and its view models.
 *
 * @example
 * const nonce = newNonce()
 * return new Response(renderLoginPage({ nonce, action, hidden, csrfToken, clientName }), {
 *   headers: htmlSecurityHeaders({ nonce }),
 * })
 */
export { escapeHtml, html, raw, type SafeHtml } from './html.js'
export { htmlSecurityHeaders, newNonce } from './headers.js'
export { DEFAULT_ENVIRONMENT, renderPage, type PageEnvironment } from './layout.js'
export { BUILT_IN_CATALOGUES, catalogueProblems, createTranslator, de, en, ENGLISH, MESSAGE_KEYS, type MessageKey, type Messages, type MessageValues, type Translator } from './messages/index.js'
export { isThemeColour, isThemeUrl, themeStyles, type PageTheme } from './theme.js'
export { describeScopes, type ScopeDescription } from './scopes.js'
export { renderLoginPage } from './pages/login.js'
export { renderConsentPage } from './pages/consent.js'
export { renderErrorPage } from './pages/error.js'
export { renderLoggedOutPage, renderLogoutConfirmPage } from './pages/logout.js'
export { renderAccountFormPage, renderAccountPage, type AccountField, type AccountForm, type AccountFormView, type AccountItem, type AccountSectionView, type AccountView } from './pages/account.js'
export { renderSecondFactorPage, renderTwoFactorSettingsPage } from './pages/two-factor.js'
export { renderDevicePage } from './pages/device.js'
export { renderPasskeySettingsPage, renderPasskeySignInPage, type PasskeyItemView } from './pages/passkeys.js'
export { PASSKEY_SCRIPT } from './passkey-script.js'
export {
  ADMIN_CONSOLE_SCRIPT, adminAlert, adminConfirm, adminDetails, adminField, adminFilters, adminForm, adminLinks, adminNotice, adminPager, adminSecret, adminTable, renderAdminPage,
  type AdminField, type AdminNavItem, type AdminPageView,
} from './pages/admin-layout.js'
export {
  ADMIN_USER_PATHS,
  ADMIN_USER_STYLES,
  adminTime,
  renderAdminConfirmPage,
  renderAdminProblemPage,
  renderAdminUserPage,
  renderAdminUsersPage,
  type AdminConfirmView,
  type AdminConsentRow,
  type AdminMessages,
  type AdminSessionRow,
  type AdminUserFormValues,
  type AdminUserStateFilter,
  type AdminUserSummary,
  type AdminUsersView,
  type AdminUserView,
} from './pages/admin-users.js'
export { ADMIN_KEY_PATHS, renderAdminKeyRotatePage, renderAdminKeysPage, type AdminKeyRow, type AdminKeysView } from './pages/admin-keys.js'
export {
  defaultPageRenderer,
  PAGE_RENDERER_METHODS,
  type ConsentResource,
  type ConsentView,
  type DeviceView,
  type ErrorView,
  type LoggedOutView,
  type LoginAlternative,
  type LoginView,
  type LogoutConfirmView,
  type PageRenderer,
  type PasskeySettingsView,
  type PasskeySignInView,
  type SecondFactorView,
  type TotpEnrolmentView,
  type TwoFactorSettingsView,
} from './page-renderer.js'
