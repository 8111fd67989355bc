/**
 * The look an operator can give Tessera's pages without templates: a product name, a logo, two colours
 * and a stylesheet of their own. Colours are validated (hex only), so a theme cannot inject CSS; the
 * stylesheet is a same-origin file linked under the response's CSP nonce.
 */
export interface PageTheme {
  /** Shown at the top of every page and in its `<title>`; default "Tessera". */
  readonly productName?: string
  /** The logo's URL: a path on this server, or a `data:image/…` URL (the CSP allows images from `'self'` and `data:`). */
  readonly logoUrl?: string
  /** Buttons, checkmarks: `#rgb` or `#rrggbb`. */
  readonly primaryColor?: string
  /** Links and the focus ring: `#rgb` or `#rrggbb`; default the primary colour. */
  readonly accentColor?: string
  /** A stylesheet on this server, linked after Tessera's own (same origin, under the page's nonce). */
  readonly stylesheetUrl?: string
}

const HEX_COLOUR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/

/**
 * Whether `value` is a colour a theme accepts: `#rgb` or `#rrggbb`. Nothing else reaches the stylesheet.
 *
 * @example isThemeColour('#0a7d33') // true
 * @example isThemeColour('red;}body{display:none') // false
 */
export function isThemeColour(value: unknown): value is string {
  return typeof value === 'string' && HEX_COLOUR.test(value)
}

/**
 * Whether `value` may be a logo or stylesheet URL of a page: a path on this server (`/…`, not `//…`), or
 * for a logo a `data:image/` URL without quotes or angle brackets.
 */
export function isThemeUrl(value: unknown, kind: 'logo' | 'stylesheet'): value is string {
  if (typeof value !== 'string' || value.length > 100_000 || /["'<>\s\\]/.test(value)) return false
  if (value.startsWith('/') && !value.startsWith('//')) return true
  return kind === 'logo' && /^data:image\/(?:png|jpeg|gif|webp|svg\+xml)(?:;base64)?,/.test(value)
}

function channels(hex: string): [number, number, number] {
  const digits = hex.length === 4 ? [...hex.slice(1)].map((digit) => digit + digit) : [hex.slice(1, 3), hex.slice(3, 5), hex.slice(5, 7)]
  return digits.map((pair) => Number.parseInt(pair, 16) / 255) as [number, number, number]
}

/** WCAG 2.2 relative luminance. @see https://www.w3.org/TR/WCAG22/#dfn-relative-luminance */
function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/**
 * The theme's colours as CSS custom properties for the light scheme, after Tessera's defaults. Text on a
 * primary button is black or white, whichever contrasts more (WCAG 2.2 §1.4.3).
 */
export function themeStyles(theme: PageTheme | undefined): string {
  if (!theme) return ''
  const rules: string[] = []
  if (isThemeColour(theme.primaryColor)) {
    const onPrimary = (luminance(theme.primaryColor) + 0.05) / 0.05 > 1.05 / (luminance(theme.primaryColor) + 0.05) ? '#000000' : '#ffffff'
    rules.push(`--primary:${theme.primaryColor}`, `--primary-hover:${theme.primaryColor}`, `--on-primary:${onPrimary}`)
  }
  const accent = isThemeColour(theme.accentColor) ? theme.accentColor : isThemeColour(theme.primaryColor) ? theme.primaryColor : undefined
  if (accent) rules.push(`--accent:${accent}`, `--focus:${accent}`)
  // Light scheme only: a brand colour chosen against white rarely keeps its contrast on the dark card, so
  // dark mode keeps Tessera's checked colours (a custom stylesheet may set its own).
  return rules.length > 0 ? `\n@media not (prefers-color-scheme: dark) { :root {${rules.join(';')}} }\n` : ''
}
