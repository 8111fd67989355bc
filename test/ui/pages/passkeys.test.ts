import { describe, expect, it } from 'vitest'
import { renderPasskeySettingsPage, renderPasskeySignInPage } from '../../../src/ui/pages/passkeys.js'
import { renderSecondFactorPage } from '../../../src/ui/pages/two-factor.js'
import { htmlSecurityHeaders } from '../../../src/ui/headers.js'
import { createTranslator, de } from '../../../src/ui/messages/index.js'

const EVIL = '"><script>alert(1)</script>'

describe('passkey pages', () => {
  it('carry the WebAuthn options as an escaped attribute and load the one script under the nonce, with no inline script or handler', () => {
    const page = renderPasskeySignInPage({
      nonce: 'bm9uY2U=', action: '/passkeys/sign-in/abc', csrfToken: 'csrf-1', clientName: EVIL, options: JSON.stringify({ challenge: EVIL }),
      scriptUrl: '/passkeys/script.js', mode: 'sign-in', backUrl: '/interaction/abc',
    })
    expect(page).not.toContain('<script>alert')
    expect(page).toContain('data-options="{&quot;challenge&quot;:&quot;\\&quot;&gt;&lt;script&gt;')
    expect(page.match(/<script[^>]*>/g)).toEqual(['<script src="/passkeys/script.js" nonce="bm9uY2U=">'])
    expect(page).not.toMatch(/\son[a-z]+=/i)
    expect(page).toContain('<noscript>')
  })

  it('speak the page language: German texts, the escaped name inside its placeholder, the cancel text for the script', () => {
    const env = { t: createTranslator('de', de) }
    const signIn = renderPasskeySignInPage({ nonce: 'n', action: '/passkeys/sign-in/abc', csrfToken: 'c', clientName: 'Notes', options: '{}', scriptUrl: '/passkeys/script.js', mode: 'second-factor', backUrl: '/interaction/abc', env })
    expect(signIn).toContain('<html lang="de">')
    expect(signIn).toContain('<h1>Mit Ihrem Passkey bestätigen</h1>')
    expect(signIn).toContain('Verwenden Sie Ihren Passkey, um mit Notes fortzufahren.')
    expect(signIn).toContain('data-cancelled="Es wurde kein Passkey verwendet.')
    const settings = renderPasskeySettingsPage({ nonce: 'n', action: '/account/passkeys', csrfToken: 'c', state: 'list', scriptUrl: '/s.js', passkeys: [{ id: 'cred-1', name: EVIL, detail: 'x' }], options: '{}', env })
    expect(settings).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; entfernen</button>')
    expect(settings).toContain('>Passkey hinzufügen</button>')
  })

  it('escape passkey names on the account page and keep hidden fields from standing in for visible ones', () => {
    const page = renderPasskeySettingsPage({
      nonce: 'n', action: '/account/passkeys', csrfToken: 'csrf-1', state: 'list', scriptUrl: '/passkeys/script.js',
      passkeys: [{ id: 'cred-1', name: EVIL, detail: 'Added' }], options: '{}',
    })
    expect(page).not.toContain('<script>alert')
    expect(page.match(/name="csrf_token" value="csrf-1"/g)).toHaveLength(3)
    expect(page).toContain('name="credential_id" value="cred-1"')
  })

  it('the second step offers the passkey beside the code, or alone', () => {
    const both = renderSecondFactorPage({ nonce: 'n', action: '/i/second-factor', hidden: {}, csrfToken: 'c', clientName: 'Notes', passkey: { action: '/passkeys/sign-in/i' } })
    expect(both).toContain('Authentication code')
    expect(both).toContain('action="/passkeys/sign-in/i"')
    const alone = renderSecondFactorPage({ nonce: 'n', action: '/i/second-factor', hidden: {}, csrfToken: 'c', clientName: 'Notes', passkey: { action: '/passkeys/sign-in/i', only: true } })
    expect(alone).not.toContain('Authentication code')
    expect(alone).toContain('action="/passkeys/sign-in/i"')
  })

  it('only pages that ask for it may run a script, and only with the nonce', () => {
    expect(htmlSecurityHeaders({ nonce: 'bm9uY2U=' }).get('content-security-policy')).not.toContain('script-src')
    expect(htmlSecurityHeaders({ nonce: 'bm9uY2U=', scripts: true }).get('content-security-policy')).toContain("script-src 'nonce-bm9uY2U='")
  })
})
