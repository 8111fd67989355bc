import type { ClientErrorCode, ClientUser } from 'tessera-oidc/client'

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The name the tutorial greets: `name`, else the username, else the subject. */
export const displayName = (user: ClientUser): string => user.name ?? user.preferred_username ?? user.sub

const NAV = `<nav><a href="/profile">Profile</a> · <a href="/userinfo">Userinfo</a> · <a href="/notes">Notes</a> ·
<a href="/refresh_token">Refresh token</a> · <form method="post" action="/logout"><button>Log out</button></form></nav>`

/** A page; `signedIn` adds the menu. Every dynamic value is escaped by the caller. */
export function page(title: string, body: string, signedIn = false): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>${signedIn ? NAV : ''}<main>${body}</main></body></html>`
}

/** Friendly words and a status per error; the text shown is fixed, never the provider's. */
export function errorPage(code: ClientErrorCode, description: string): { status: number; html: string } {
  const retry = '<p><a href="/login">Try again</a> · <a href="/">Home</a></p>'
  switch (code) {
    case 'access_denied':
      return { status: 403, html: page('Sign-in cancelled', `<h1>Sign-in cancelled</h1><p>You did not allow access, so you are not signed in.</p>${retry}`) }
    case 'transaction_expired':
    case 'transaction_unknown':
    case 'transaction_missing':
    case 'state_mismatch':
      return { status: 400, html: page('Sign-in expired', `<h1>This sign-in has expired</h1><p>${escapeHtml(description)}</p>${retry}`) }
    case 'provider_unreachable':
      return { status: 503, html: page('Provider unavailable', `<h1>The sign-in provider is not answering</h1><p>Please try again in a moment.</p>${retry}`) }
    default:
      return { status: 502, html: page('Sign-in failed', `<h1>Sign-in failed</h1><p>${escapeHtml(description)}</p>${retry}`) }
  }
}
