import { html, type SafeHtml } from '../html.js'
import { adminMessages, adminTime, renderAdminConfirmPage, type AdminMessages } from './admin-users.js'

/** Console paths of the keys pages, below the console's base. */
export const ADMIN_KEY_PATHS = { list: '/keys', rotate: '/keys/rotate' } as const

/** One signing key as the admin API lists it (its public half only). */
export interface AdminKeyRow {
  kid: string
  alg: string
  /** True for the keys that sign; retired keys only verify until `expiresAt`. */
  active: boolean
  createdAt: number
  retiredAt: number | null
  /** When the key leaves the JWKS; null while it signs. */
  expiresAt: number | null
}

/** The signing keys page. */
export interface AdminKeysView extends AdminMessages {
  base: string
  /** Undefined when they could not be read (`error` says why). */
  keys: readonly AdminKeyRow[] | undefined
}

/**
 * The signing keys: kid, algorithm, state and dates, and the link to the rotation's confirmation.
 *
 * @example renderAdminKeysPage({ base: '/admin', keys: [] })
 */
export function renderAdminKeysPage(view: AdminKeysView): SafeHtml {
  const keys = view.keys
  return html`${adminMessages(view)}
<p class="lead">The active keys sign ID tokens and JWT access tokens; retired keys stay published in the JWKS until every token they signed has expired.</p>
${keys?.length === 0 ? html`<p class="note">No signing key yet: one is made at the first signature.</p>` : html``}
${keys !== undefined && keys.length > 0
    ? html`<table class="console-table">
<caption>Signing keys</caption>
<thead><tr><th scope="col">Key id (kid)</th><th scope="col">Algorithm</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Retired</th><th scope="col">Leaves the JWKS</th></tr></thead>
<tbody>
${keys.map((key) => html`<tr><th scope="row"><code>${key.kid}</code></th><td>${key.alg}</td><td>${key.active ? html`<span class="badge">active</span>` : 'retired'}</td><td>${adminTime(key.createdAt)}</td><td>${adminTime(key.retiredAt)}</td><td>${adminTime(key.expiresAt)}</td></tr>
`)}</tbody>
</table>`
    : html``}
<p class="links"><a href="${view.base}${ADMIN_KEY_PATHS.rotate}">Rotate the signing keys</a></p>`
}

/**
 * The confirmation of a key rotation; it says so when the rotation will first ask the admin to sign in again.
 *
 * @example renderAdminKeyRotatePage({ base: '/admin', csrfToken, freshSignIn: true })
 */
export function renderAdminKeyRotatePage(view: { base: string; csrfToken: string; freshSignIn: boolean }): SafeHtml {
  return renderAdminConfirmPage({
    base: view.base,
    csrfToken: view.csrfToken,
    action: ADMIN_KEY_PATHS.rotate,
    cancel: ADMIN_KEY_PATHS.list,
    question: 'New signing keys are made for every algorithm and sign from now on. The current keys are retired: they stay published for a day, so tokens they signed still verify.',
    submitLabel: 'Rotate the keys',
    note: view.freshSignIn ? 'Rotating keys needs a recent sign-in: you will be asked to sign in again first, then come back to this list.' : undefined,
  })
}
