import { BUILT_IN_CATALOGUES, catalogueProblems, createTranslator, isThemeColour, isThemeUrl, type Messages, type PageTheme, type Translator } from '../../ui/index.js'
import type { PageLanguages } from '../locale.js'

/** Image types a served logo may have; each is one an `<img>` shows without running anything. */
export const LOGO_CONTENT_TYPES = ['image/png', 'image/svg+xml', 'image/jpeg', 'image/webp', 'image/gif'] as const
/** The content type of a logo the server serves at `/theme/logo`. */
export type LogoContentType = (typeof LOGO_CONTENT_TYPES)[number]

/**
 * The look of the pages (`AuthorizationServerConfig.ui.theme`). Colours are `#rgb` or `#rrggbb` only; a
 * logo and a stylesheet are either URLs on this server or files the server serves itself at
 * `{issuer}/theme/logo` and `{issuer}/theme/style.css`, so the pages' strict CSP does not change.
 */
export interface ThemeConfig {
  /** Buttons and checkmarks: `#rgb` or `#rrggbb`. */
  primaryColor?: string
  /** Links and the focus ring (default the primary colour). */
  accentColor?: string
  /** A logo at a path of this server or a `data:image/…` URL; or `logo` for the server to serve one. */
  logoUrl?: string
  /** A logo the server serves at `{issuer}/theme/logo`. */
  logo?: { contentType: LogoContentType; body: Uint8Array }
  /** A stylesheet at a path of this server; or `stylesheet` for the server to serve one. */
  stylesheetUrl?: string
  /** CSS the server serves at `{issuer}/theme/style.css`, linked after Tessera's own stylesheet. */
  stylesheet?: string
}

/** Languages and look of the pages. */
export interface UiConfig {
  /** The language when neither `ui_locales` nor `Accept-Language` names a supported one (default `en`). */
  defaultLocale?: string
  /**
   * Catalogues by language tag beside the built-in `en` and `de`: a new language (say `fr`, keys as in
   * `en`), or some texts of a built-in one replaced. A key a catalogue lacks shows the English text.
   */
  catalogues?: Readonly<Record<string, Partial<Messages>>>
  /** Offer only these languages (default: every catalogue). */
  locales?: readonly string[]
  theme?: ThemeConfig
}

/** The resolved `ui` settings. */
export interface UiSettings {
  readonly languages: PageLanguages
  /** What every page shows: the product name, colours, logo and stylesheet URLs. */
  readonly theme: PageTheme
  /** The files served below `/theme`. */
  readonly assets: { readonly logo?: { contentType: LogoContentType; body: Uint8Array }; readonly stylesheet?: string }
}

const LANGUAGE_TAG = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/

/** Validates `ui` once; throws `Error(field, problem)` pairs for `ConfigError`. */
export function resolveUiSettings(ui: UiConfig | undefined, productName: string, issuer: string, fail: (field: string, problem: string) => never): UiSettings {
  const catalogues: Record<string, Partial<Messages>> = { ...BUILT_IN_CATALOGUES }
  for (const [tag, catalogue] of Object.entries(ui?.catalogues ?? {})) {
    if (!LANGUAGE_TAG.test(tag)) fail(`ui.catalogues.${tag}`, 'must be keyed by a language tag (RFC 5646), e.g. fr or pt-BR')
    const problems = catalogueProblems(catalogue)
    if (problems.length > 0) fail(`ui.catalogues.${tag}`, problems.slice(0, 3).join('; '))
    const key = tag.toLowerCase()
    catalogues[key] = { ...catalogues[key], ...catalogue }
  }
  const offered = (ui?.locales ?? Object.keys(catalogues)).map((tag) => tag.toLowerCase())
  for (const tag of offered) if (!Object.hasOwn(catalogues, tag)) fail('ui.locales', `names ${JSON.stringify(tag)}, which has no catalogue (give one in ui.catalogues)`)
  const defaultLocale = (ui?.defaultLocale ?? (offered.includes('en') ? 'en' : offered[0]) ?? 'en').toLowerCase()
  if (!offered.includes(defaultLocale)) fail('ui.defaultLocale', `must be one of the offered languages ${offered.join(', ')}`)
  const byTag = new Map<string, Translator>(offered.map((tag) => [tag, createTranslator(tag, catalogues[tag] ?? {})]))
  const supported = [defaultLocale, ...offered.filter((tag) => tag !== defaultLocale)]

  const theme = ui?.theme ?? {}
  for (const field of ['primaryColor', 'accentColor'] as const) {
    if (theme[field] !== undefined && !isThemeColour(theme[field])) fail(`ui.theme.${field}`, `must be a colour #rgb or #rrggbb, got ${JSON.stringify(theme[field])}`)
  }
  if (theme.logoUrl !== undefined && theme.logo !== undefined) fail('ui.theme', 'give either logoUrl or logo, not both')
  if (theme.stylesheetUrl !== undefined && theme.stylesheet !== undefined) fail('ui.theme', 'give either stylesheetUrl or stylesheet, not both')
  if (theme.logoUrl !== undefined && !isThemeUrl(theme.logoUrl, 'logo')) fail('ui.theme.logoUrl', 'must be a path on this server (/…) or a data:image/ URL: the pages load nothing from elsewhere')
  if (theme.stylesheetUrl !== undefined && !isThemeUrl(theme.stylesheetUrl, 'stylesheet')) fail('ui.theme.stylesheetUrl', 'must be a path on this server (/…): the pages load nothing from elsewhere')
  if (theme.logo !== undefined && (!(LOGO_CONTENT_TYPES as readonly string[]).includes(theme.logo.contentType) || !(theme.logo.body instanceof Uint8Array) || theme.logo.body.byteLength === 0 || theme.logo.body.byteLength > 512 * 1024)) {
    fail('ui.theme.logo', `must be a PNG, SVG, JPEG, WebP or GIF image of at most 512 KiB (contentType one of ${LOGO_CONTENT_TYPES.join(', ')})`)
  }
  if (theme.stylesheet !== undefined && (typeof theme.stylesheet !== 'string' || theme.stylesheet.length > 256 * 1024)) fail('ui.theme.stylesheet', 'must be CSS text of at most 256 KiB')
  const base = new URL(issuer).pathname.replace(/\/+$/, '')
  const logoUrl = theme.logo ? `${base}/theme/logo` : theme.logoUrl
  const stylesheetUrl = theme.stylesheet !== undefined ? `${base}/theme/style.css` : theme.stylesheetUrl
  return {
    languages: { supported, default: byTag.get(defaultLocale) ?? createTranslator(defaultLocale, {}), byTag },
    theme: {
      productName,
      ...(theme.primaryColor ? { primaryColor: theme.primaryColor } : {}),
      ...(theme.accentColor ? { accentColor: theme.accentColor } : {}),
      ...(logoUrl ? { logoUrl } : {}),
      ...(stylesheetUrl ? { stylesheetUrl } : {}),
    },
    assets: { ...(theme.logo ? { logo: theme.logo } : {}), ...(theme.stylesheet !== undefined ? { stylesheet: theme.stylesheet } : {}) },
  }
}
