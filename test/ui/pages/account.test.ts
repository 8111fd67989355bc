import { describe, expect, it } from 'vitest'
import { renderAccountFormPage, renderAccountPage } from '../../../src/ui/pages/account.js'
import { renderLoginPage } from '../../../src/ui/pages/login.js'

const EVIL = '"><script>alert(1)</script>'

describe('renderAccountPage', () => {
  it('escapes every value a user or client chose, and puts the page CSRF token in every form', () => {
    const page = renderAccountPage({
      nonce: 'n', userName: EVIL, csrfToken: 'csrf-1',
      sections: [
        {
          id: 'apps', title: 'Connected apps',
          items: [{ label: EVIL, detail: EVIL, action: { action: '/account/apps/revoke', submitLabel: 'Disconnect', hidden: { client_id: EVIL } } }],
        },
        { id: 'profile', title: 'Profile', forms: [{ action: '/account/profile', submitLabel: 'Save', fields: [{ name: 'name', label: 'Full name', type: 'text', value: EVIL }] }] },
      ],
    })
    expect(page).not.toContain('<script>alert')
    expect(page).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(page.match(/name="csrf_token" value="csrf-1"/g)).toHaveLength(2)
    expect(page).toContain('<main class="wide">')
  })

  it('lets no hidden field stand in for a visible one or the CSRF token', () => {
    const page = renderAccountPage({
      nonce: 'n', userName: 'Ada', csrfToken: 'csrf-1',
      sections: [{ id: 'p', title: 'P', forms: [{ action: '/x', submitLabel: 'Go', hidden: { name: 'smuggled', csrf_token: 'other' }, fields: [{ name: 'name', label: 'Name', type: 'text' }] }] }],
    })
    expect(page).not.toContain('smuggled')
    expect(page).not.toContain('value="other"')
  })

  it('shows the empty text of a section without items, and a notice as a status', () => {
    const page = renderAccountPage({ nonce: 'n', userName: 'Ada', csrfToken: 'c', notice: 'Saved.', sections: [{ id: 'apps', title: 'Apps', items: [], empty: 'No app.' }] })
    expect(page).toContain('<p class="note">No app.</p>')
    expect(page).toContain('role="status">Saved.</div>')
  })
})

describe('renderAccountFormPage and the login page links', () => {
  it('renders one form with its error tied to the fields, and links', () => {
    const page = renderAccountFormPage({
      nonce: 'n', title: 'Reset your password', csrfToken: 'c', error: EVIL,
      form: { action: '/account/password-reset', submitLabel: 'Send', fields: [{ name: 'email', label: 'E-mail address', type: 'email' }] },
      links: [{ href: '/account', label: 'Back' }],
    })
    expect(page).toContain('aria-describedby="account-error"')
    expect(page).not.toContain('<script>alert')
    expect(page).toContain('<a href="/account">Back</a>')
  })

  it('puts the links a capability offers under the login form', () => {
    const page = renderLoginPage({ nonce: 'n', action: '/i/login', hidden: {}, csrfToken: 'c', clientName: 'Notes', links: [{ href: '/account/password-reset', label: 'Forgot password?' }] })
    expect(page).toContain('<a href="/account/password-reset">Forgot password?</a>')
    expect(renderLoginPage({ nonce: 'n', action: '/i/login', hidden: {}, csrfToken: 'c', clientName: 'Notes' })).not.toContain('class="links"')
  })
})
