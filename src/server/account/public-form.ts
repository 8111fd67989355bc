import { OAuthError } from '../../errors.js'
import { sha256 } from '../../crypto/random.js'
import { formParameters, type Parameters } from '../../http/form.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import type { ServerContext } from '../context.js'
import { errorPage, languageOf, htmlResponse, type AccountFormView, type Translator } from '../pages.js'
import { browserBinding, checkSessionCsrfToken, isSameOrigin, readBrowserBinding, sessionCsrfToken } from '../session.js'

/*
 * Forms for visitors without a session (forgot password, new password, registration, address
 * confirmation): the CSRF token is an HMAC of the browser-binding cookie, so a form posted from another
 * site or another browser is refused (ASVS 3.5.1), and the answer sets no cookie that the GET did not.
 */

export function publicCsrf(ctx: ServerContext, request: OAuthRequest, purpose: string): { token: string; cookie: string | undefined } {
  const binding = browserBinding(ctx, request.headers)
  return { token: sessionCsrfToken(ctx, sha256(binding.value), purpose), cookie: binding.cookie }
}

/** The form's parameters once its origin and CSRF token check out; else a 403 `OAuthError`. */
export function checkPublicForm(ctx: ServerContext, request: OAuthRequest, purpose: string): Parameters {
  const params = formParameters(request)
  const binding = readBrowserBinding(ctx, request.headers)
  if (!isSameOrigin(ctx, request.headers) || binding === undefined || !checkSessionCsrfToken(ctx, sha256(binding), purpose, params.get('csrf_token'))) {
    throw new OAuthError('invalid_request', 'The form could not be verified. Open the page again and retry.', { status: 403 })
  }
  return params
}

/** `checkPublicForm`, with a form that does not check out answered by the error page, for handlers to return. */
export function publicFormOrErrorPage(ctx: ServerContext, request: OAuthRequest, purpose: string): Parameters | OAuthResponse {
  try {
    return checkPublicForm(ctx, request, purpose)
  } catch (error) {
    if (error instanceof OAuthError) return errorPage(ctx, error, languageOf(ctx, request.headers))
    throw error
  }
}

/** A one-form page in `language` (`languageOf` the request). */
export function formPage(ctx: ServerContext, status: number, view: AccountFormView, cookie: string | undefined, language: Translator): OAuthResponse {
  return htmlResponse(ctx, status, (pages, nonce, env) => pages.accountForm(view, nonce, env), { cookies: [cookie], language })
}
