import { jsonResponse } from '../../http/response.js'
import type { OAuthResponse } from '../../http/types.js'
import type { Capability, ServerContext } from '../context.js'

export { LOGO_CONTENT_TYPES, resolveUiSettings, type LogoContentType, type ThemeConfig, type UiConfig, type UiSettings } from './settings.js'

// An SVG logo opened on its own is a document of this origin: no script, style or anything else may run in it.
const ASSET_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'public, max-age=300',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

function asset(body: Uint8Array | string | undefined, contentType: string): OAuthResponse {
  if (body === undefined) return jsonResponse(404, { error: 'not_found' })
  return { status: 200, headers: new Headers({ ...ASSET_HEADERS, 'Content-Type': contentType }), body: typeof body === 'string' ? body : body }
}

/**
 * The pages' look and languages: the operator's logo and stylesheet served from this origin (so the
 * pages' CSP stays `'self'`-only), and `ui_locales_supported` (OpenID Connect Discovery 1.0 §3).
 */
export const pageTheme: Capability = {
  name: 'page-theme',
  spec: 'OpenID Connect Discovery 1.0 §3 (ui_locales_supported), OpenID Connect Core 1.0 §3.1.2.1 (ui_locales)',
  endpoints: [{
    name: 'theme', path: '/theme',
    below: [
      { pattern: /^\/logo$/, methods: ['GET'], handle: (ctx: ServerContext) => Promise.resolve(asset(ctx.config.ui.assets.logo?.body, ctx.config.ui.assets.logo?.contentType ?? 'image/png')) },
      { pattern: /^\/style\.css$/, methods: ['GET'], handle: (ctx: ServerContext) => Promise.resolve(asset(ctx.config.ui.assets.stylesheet, 'text/css; charset=utf-8')) },
    ],
  }],
  metadata: (ctx) => ({ ui_locales_supported: [...ctx.config.ui.languages.supported] }),
}
