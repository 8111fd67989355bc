import type { OAuthError } from '../errors.js'
import type { OAuthResponse } from '../http/types.js'
// The server's one door to ui/: the page contract and the headers pages are sent with.
import { defaultPageRenderer, en, ENGLISH, htmlSecurityHeaders, newNonce, PAGE_RENDERER_METHODS, PASSKEY_SCRIPT, type MessageKey, type PageEnvironment, type PageRenderer, type Translator } from '../ui/index.js'
import type { UiSettings } from './theme/settings.js'
import { pageLanguage } from './locale.js'

export { defaultPageRenderer, PAGE_RENDERER_METHODS, PASSKEY_SCRIPT }
export type { AccountField, AccountForm, AccountFormView, AccountItem, AccountSectionView, AccountView, ConsentResource, ConsentView, DeviceView, ErrorView, LoggedOutView, LoginAlternative, LoginView, LogoutConfirmView, MessageKey, PageEnvironment, PageRenderer, PasskeyItemView, PasskeySettingsView, PasskeySignInView, SecondFactorView, TotpEnrolmentView, Translator, TwoFactorSettingsView } from '../ui/index.js'

/**
 * What a page needs of the server context: whether it is served over https (HSTS), who renders it, and
 * in which languages and theme. Structural rather than `ServerContext`, because config.ts takes its
 * default renderer from here.
 */
export interface PageContext {
  readonly config: { readonly secure: boolean; readonly pages: PageRenderer; readonly ui?: UiSettings }
}

/**
 * The language of a page for this request: `ui_locales` (the interaction's, or the request's own) first,
 * then `Accept-Language`, else the configured default.
 *
 * @example const t = languageOf(ctx, request.headers, loaded.request.ui_locales)
 */
export function languageOf(ctx: PageContext, headers: Headers | undefined, uiLocales?: string): Translator {
  return ctx.config.ui ? pageLanguage(ctx.config.ui.languages, headers, uiLocales) : ENGLISH
}

/**
 * An HTML page with the security headers every page carries (CSP with nonce, no framing, no referrer),
 * written in `options.language` (default: the configured default language) with the configured theme.
 */
export function htmlResponse(
  ctx: PageContext,
  status: number,
  render: (pages: PageRenderer, nonce: string, env: PageEnvironment) => string,
  options: { formActions?: string[]; cookies?: (string | undefined)[]; scripts?: boolean; language?: Translator | undefined } = {},
): OAuthResponse {
  const nonce = newNonce()
  const headers = htmlSecurityHeaders({ nonce, https: ctx.config.secure, ...(options.formActions ? { formActions: options.formActions } : {}), ...(options.scripts ? { scripts: true } : {}) })
  for (const cookie of options.cookies ?? []) if (cookie) headers.append('Set-Cookie', cookie)
  const t = options.language ?? ctx.config.ui?.languages.default ?? ENGLISH
  const env: PageEnvironment = { t, ...(ctx.config.ui ? { theme: ctx.config.ui.theme } : {}) }
  headers.set('Content-Language', env.t.locale)
  // The page differs by these request headers (RFC 9110 §12.5.5); no-store already keeps caches out.
  headers.set('Vary', 'Accept-Language')
  return { status, headers, body: render(ctx.config.pages, nonce, env) }
}

const TITLES: Partial<Record<string, MessageKey>> = {
  invalid_client: 'error.title.invalid_client',
  invalid_request: 'error.title.invalid_request',
  access_denied: 'error.title.access_denied',
  server_error: 'error.title.server_error',
  temporarily_unavailable: 'error.title.temporarily_unavailable',
}

const MESSAGES: Partial<Record<string, MessageKey>> = {
  invalid_client: 'error.message.invalid_client',
  access_denied: 'error.message.access_denied',
  temporarily_unavailable: 'error.message.temporarily_unavailable',
}

/*
 * The error descriptions thrown for pages are the English texts of catalogue keys (`error.*`): found here
 * by their text, the page shows them in its own language. Any other description (it names a provider, a
 * parameter) is shown as it is, marked as English, under a message in the page's language.
 */
const DESCRIPTION_KEYS: ReadonlyMap<string, MessageKey> = new Map(
  (Object.entries(en) as [MessageKey, string][]).filter(([key]) => key.startsWith('error.') && !key.startsWith('error.title.') && !key.startsWith('error.message.')).map(([key, text]) => [text, key]),
)

/** The error page of RFC 6749 §4.1.2.1: shown instead of redirecting to an unverified URI. */
export function errorPage(ctx: PageContext, error: OAuthError, language?: Translator, localized?: string): OAuthResponse {
  const t = language ?? ctx.config.ui?.languages.default ?? ENGLISH
  const description = error.description
  const known = description !== undefined ? DESCRIPTION_KEYS.get(description) : undefined
  const title = TITLES[error.error] ?? 'error.title.default'
  const generic = t.text(MESSAGES[error.error] ?? 'error.message.default')
  const english = t.locale === 'en' || t.locale.startsWith('en-')
  // `localized`: the description already in the page's language (a catalogue text with values, a provider's name).
  const message = localized ?? (known ? t.text(known) : english ? (description ?? generic) : generic)
  const detail = localized !== undefined || known || english ? undefined : description
  // The error's own status, except 401: RFC 9110 §11.6.1 ties 401 to a `WWW-Authenticate` challenge, which
  // a page cannot answer. A failed CSRF check thus stays the 403 its thrower chose (catalogue AZ-16).
  return htmlResponse(
    ctx,
    error.status === 401 ? 400 : error.status,
    (pages, nonce, env) => pages.error({ title: env.t.text(title), message, code: error.error, ...(detail !== undefined ? { detail } : {}) }, nonce, env),
    { language: t },
  )
}
