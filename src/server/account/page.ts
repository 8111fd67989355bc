import { OAuthError } from '../../errors.js'
import { formParameters, queryParameters, type Parameters } from '../../http/form.js'
import { redirectResponse } from '../../http/response.js'
import type { OAuthRequest, OAuthResponse } from '../../http/types.js'
import type { AccountPageState, ServerContext } from '../context.js'
import { errorPage, languageOf, htmlResponse, type AccountSectionView } from '../pages.js'
import { checkSessionCsrfToken, currentSession, isSameOrigin, sessionCsrfToken, type CurrentSession } from '../session.js'
import { signInRedirect } from './sign-in.js'

const CSRF_PURPOSE = 'account'

/** Confirmations and failures the account routes redirect with (`?notice=` / `?error=`): fixed texts, never echoed input. */
const NOTICES = ['profile', 'password', 'email-sent', 'email-verified', 'app-revoked', 'session-revoked', 'identity-linked', 'identity-unlinked'] as const
const ERRORS = ['wrong-password', 'weak-password', 'bad-email', 'no-mail', 'bad-profile', 'resend-limited'] as const

function fixedText<T extends string>(names: readonly T[], value: string | undefined): T | undefined {
  return names.find((name) => name === value)
}

/** The page's CSRF token: an HMAC of the session with the server secret (the logout form's scheme). */
export function accountCsrfToken(ctx: ServerContext, session: CurrentSession): string {
  return sessionCsrfToken(ctx, session.record.id_hash, CSRF_PURPOSE)
}

/**
 * What every form of the account page (and of the sections other capabilities add) checks before it
 * changes anything: a live session, this origin (ASVS 3.5.3) and the page's CSRF token. The acting user is
 * always the session's, never a form field (catalogue AC-07). Throws `OAuthError` (403) or answers undefined
 * when nobody is signed in.
 */
export async function checkAccountForm(ctx: ServerContext, request: OAuthRequest): Promise<{ session: CurrentSession; params: Parameters } | undefined> {
  const session = await currentSession(ctx, request.headers)
  if (!session) return undefined
  const params = formParameters(request)
  if (!isSameOrigin(ctx, request.headers) || !checkSessionCsrfToken(ctx, session.record.id_hash, CSRF_PURPOSE, params.get('csrf_token'))) {
    throw new OAuthError('invalid_request', 'The form could not be verified. Reload the account page and try again.', { status: 403 })
  }
  return { session, params }
}

/** Back to the account page with a fixed notice or error, keeping the renewed session cookie. */
export function backToAccount(ctx: ServerContext, session: CurrentSession | undefined, outcome: { notice?: string; error?: string } = {}, cookies: (string | undefined)[] = []): OAuthResponse {
  const query = new URLSearchParams(outcome).toString()
  const response = redirectResponse(`${ctx.config.issuer}/account${query ? `?${query}` : ''}`)
  for (const cookie of [session?.renewedCookie, ...cookies]) if (cookie) response.headers.append('Set-Cookie', cookie)
  return response
}

/** A route of the account page: signed in and a valid form, else the login page (GET-like) or an error page. */
export function accountAction(handle: (ctx: ServerContext, request: OAuthRequest, form: { session: CurrentSession; params: Parameters }, captures: readonly string[]) => Promise<OAuthResponse>) {
  return async (ctx: ServerContext, request: OAuthRequest, captures: readonly string[]): Promise<OAuthResponse> => {
    let form: { session: CurrentSession; params: Parameters } | undefined
    try {
      form = await checkAccountForm(ctx, request)
    } catch (error) {
      if (error instanceof OAuthError) return errorPage(ctx, error, languageOf(ctx, request.headers))
      throw error
    }
    if (!form) return signInRedirect(ctx)
    return handle(ctx, request, form, captures)
  }
}

/** GET /account: every registered section for the signed-in user; not signed in, the login page and back. */
export async function showAccount(ctx: ServerContext, request: OAuthRequest): Promise<OAuthResponse> {
  const session = await currentSession(ctx, request.headers)
  if (!session) return signInRedirect(ctx)
  const t = languageOf(ctx, request.headers)
  let notice: string | undefined
  let error: string | undefined
  try {
    const query = queryParameters(request.url)
    const noticeName = fixedText(NOTICES, query.get('notice'))
    const errorName = fixedText(ERRORS, query.get('error'))
    notice = noticeName && t.text(`account.notice.${noticeName}`)
    error = errorName && t.text(`account.error.${errorName}`)
  } catch {
    // A repeated parameter shows the page without a message.
  }
  const state: AccountPageState = { user: session.user, session: session.record, csrfToken: accountCsrfToken(ctx, session), t }
  const sections: AccountSectionView[] = []
  for (const section of ctx.registry.accountSections) {
    const view = await section.render(ctx, state)
    if (view) sections.push(view)
  }
  return htmlResponse(ctx, 200, (pages, nonce, env) => pages.account({
    userName: session.user.name ?? session.user.username, csrfToken: state.csrfToken, sections,
    ...(notice ? { notice } : {}), ...(error ? { error } : {}),
  }, nonce, env), { cookies: [session.renewedCookie], language: t })
}
