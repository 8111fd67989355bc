/**
 * The `Strict-Transport-Security` value of every https response, pages or not: one year, subdomains
 * included (they are served over https too, or should be). Here rather than with the pages because the
 * server sends it on redirects and JSON answers as well.
 *
 * @example if (secure) headers.set('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY)
 * @see https://www.rfc-editor.org/rfc/rfc6797#section-6.1
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains'
