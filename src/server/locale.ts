import { acceptedLanguages } from '../http/accept-language.js'
import type { Translator } from '../ui/index.js'

/** The languages of the pages, resolved once from configuration (`ui.defaultLocale`, `ui.catalogues`). */
export interface PageLanguages {
  /** Supported language tags, the default first: discovery's `ui_locales_supported`. */
  readonly supported: readonly string[]
  readonly default: Translator
  readonly byTag: ReadonlyMap<string, Translator>
}

/**
 * The first supported language of `preferences`: an exact tag (case-insensitive, RFC 5646 §2.1.1), else
 * the language of a more specific one (`de-AT` → `de`).
 */
function firstSupported(languages: PageLanguages, preferences: readonly string[]): Translator | undefined {
  for (const preference of preferences) {
    const tag = preference.toLowerCase()
    const exact = languages.byTag.get(tag)
    if (exact) return exact
    const primary = languages.byTag.get(tag.split('-')[0] ?? '')
    if (primary) return primary
  }
  return undefined
}

/**
 * The language of a page: the first supported one of `ui_locales` (OpenID Connect Core §3.1.2.1: a
 * space-separated list in order of preference, kept by the interaction for all its pages; RP-Initiated
 * Logout §2 has the same parameter), then of the browser's `Accept-Language`, else the default. An
 * unsupported `ui_locales` is no error (§3.1.2.1: "an error SHOULD NOT result").
 *
 * @example pageLanguage(ctx.config.ui.languages, request.headers, 'de fr').locale // 'de'
 */
export function pageLanguage(languages: PageLanguages, headers: Headers | undefined, uiLocales?: string): Translator {
  const requested = (uiLocales ?? '').split(' ').filter((tag) => tag !== '')
  return firstSupported(languages, requested) ?? firstSupported(languages, acceptedLanguages(headers?.get('accept-language'))) ?? languages.default
}
