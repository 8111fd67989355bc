import { describe, expect, it } from 'vitest'
import { renderSecondFactorPage, renderTwoFactorSettingsPage } from '../../../src/ui/pages/two-factor.js'

const base = { nonce: 'n', action: '/interaction/abc/second-factor', hidden: {}, csrfToken: 'csrf-123', clientName: 'Notes <&>' }
const enrolment = { uri: 'otpauth://totp/Tessera:alice?secret=MZXW6YTBOI&issuer=Tessera', secret: 'MZXW6YTBOIABCDEF' }

describe('renderSecondFactorPage', () => {
  it('asks for a code in one field, escapes the client name, and has no script', () => {
    const page = renderSecondFactorPage(base)
    expect(page).toContain('name="code"')
    expect(page).toContain('autocomplete="one-time-code"')
    expect(page).toContain('Notes &lt;&amp;&gt;')
    expect(page).toContain('recovery codes')
    expect(page).not.toMatch(/<script/i)
  })

  it('ties an error to the field and announces it', () => {
    const page = renderSecondFactorPage({ ...base, error: 'That code is not valid.' })
    expect(page).toMatch(/<div id="code-error" class="alert" role="alert">That code is not valid\.<\/div>/)
    expect(page).toMatch(/name="code"[^>]*aria-invalid="true" aria-describedby="code-error"/)
  })

  it('shows the key as an inline SVG QR code and as text when enrolling', () => {
    const page = renderSecondFactorPage({ ...base, enrolment })
    expect(page).toMatch(/<svg class="qr" role="img" aria-label="QR code of the key" xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    expect(page).toContain('data-secret="MZXW6YTBOIABCDEF">MZXW 6YTB OIAB CDEF</code>')
  })

  it('lists recovery codes once, with the way on', () => {
    const page = renderSecondFactorPage({ ...base, recoveryCodes: ['abcde-fghij'], continueUrl: 'https://app.example/cb?code=x&state=y' })
    expect(page).toContain('<li>abcde-fghij</li>')
    expect(page).toContain('href="https://app.example/cb?code=x&amp;state=y"')
  })
})

describe('renderTwoFactorSettingsPage', () => {
  it('asks for the password again before any change', () => {
    const page = renderTwoFactorSettingsPage({ nonce: 'n', action: '/account/two-factor', csrfToken: 'c', state: 'password' })
    expect(page).toContain('name="step" value="reauthenticate"')
    expect(page).toContain('autocomplete="current-password"')
  })

  it('offers new recovery codes and turning off with a code when enabled', () => {
    const page = renderTwoFactorSettingsPage({ nonce: 'n', action: '/account/two-factor', csrfToken: 'c', state: 'enabled' })
    expect(page).toContain('value="recovery-codes"')
    expect(page).toContain('value="disable"')
  })
})
