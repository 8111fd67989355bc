import { html, type SafeHtml } from './html.js'

/**
 * Hidden inputs carrying the interaction state, then `csrf_token`. Names in `reserved` (the form's own fields)
 * and `csrf_token` are dropped from `hidden`: if `hidden` echoes authorization request parameters, a crafted
 * request could otherwise add `decision=allow` next to the Deny button or a second `csrf_token`.
 */
export function hiddenFields(hidden: Record<string, string>, csrfToken: string, reserved: readonly string[] = []): SafeHtml {
  const fields = Object.entries(hidden)
    .filter(([name]) => name !== 'csrf_token' && !reserved.includes(name))
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`)
  return html`${fields}<input type="hidden" name="csrf_token" value="${csrfToken}">`
}
