import type { OAuthError } from '../errors.js'
import type { OAuthResponse } from '../http/types.js'
// The server's one door to ui/: the page contract and the headers pages are sent with.
import { defaultPageRenderer, htmlSecurityHeaders, newNonce, PAGE_RENDERER_METHODS, PASSKEY_SCRIPT, type PageRenderer } from '../ui/index.js'

export { defaultPageRenderer, PAGE_RENDERER_METHODS, PASSKEY_SCRIPT }
export type { AccountField, AccountForm, AccountFormView, AccountItem, AccountSectionView, AccountView, ConsentResource, ConsentView, DeviceView, ErrorView, LoggedOutView, LoginAlternative, LoginView, LogoutConfirmView, PageRenderer, PasskeyItemView, PasskeySettingsView, PasskeySignInView, SecondFactorView, TotpEnrolmentView, TwoFactorSettingsView } from '../ui/index.js'

/**
 * What a page needs of the server context: whether it is served over https (HSTS) and who renders it.
 * Structural rather than `ServerContext`, because config.ts takes its default renderer from here.
 */
export interface PageContext {
  readonly config: { readonly secure: boolean; readonly pages: PageRenderer }
}

/** An HTML page with the security headers every page carries (CSP with nonce, no framing, no referrer). */
export function htmlResponse(
  ctx: PageContext,
  status: number,
  render: (pages: PageRenderer, nonce: string) => string,
  options: { formActions?: string[]; cookies?: (string | undefined)[]; scripts?: boolean } = {},
): OAuthResponse {
  const nonce = newNonce()
  const headers = htmlSecurityHeaders({ nonce, https: ctx.config.secure, ...(options.formActions ? { formActions: options.formActions } : {}), ...(options.scripts ? { scripts: true } : {}) })
  for (const cookie of options.cookies ?? []) if (cookie) headers.append('Set-Cookie', cookie)
  return { status, headers, body: render(ctx.config.pages, nonce) }
}

const TITLES: Partial<Record<string, string>> = {
  invalid_client: 'Unknown application',
  invalid_request: 'This sign-in link is not valid',
  access_denied: 'Access denied',
  server_error: 'Something went wrong',
  temporarily_unavailable: 'Try again in a moment',
}

/** The error page of RFC 6749 §4.1.2.1: shown instead of redirecting to an unverified URI. */
export function errorPage(ctx: PageContext, error: OAuthError): OAuthResponse {
  // The error's own status, except 401: RFC 9110 §11.6.1 ties 401 to a `WWW-Authenticate` challenge, which
  // a page cannot answer. A failed CSRF check thus stays the 403 its thrower chose (catalogue AZ-16).
  return htmlResponse(ctx, error.status === 401 ? 400 : error.status, (pages, nonce) =>
    pages.error(
      {
        title: TITLES[error.error] ?? 'The request could not be completed',
        message: error.description ?? 'The application sent a request this server cannot accept.',
        code: error.error,
      },
      nonce,
    ),
  )
}
