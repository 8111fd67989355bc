import type { OAuthResponse } from '../../http/types.js'
import { PASSKEY_SCRIPT } from '../pages.js'

/**
 * The passkey script as a static asset. Cacheable (it changes only with a release) and typed exactly, with
 * `nosniff`, so it runs only as the script the pages load under their nonce.
 */
export function javascriptResponse(): OAuthResponse {
  const headers = new Headers({
    'Content-Type': 'text/javascript; charset=utf-8',
    'Cache-Control': 'public, max-age=3600',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': 'same-origin',
  })
  return { status: 200, headers, body: PASSKEY_SCRIPT }
}
