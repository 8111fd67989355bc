import { describe, expect, it } from 'vitest'
import { renderLoggedOutPage, renderLogoutConfirmPage } from '../../../src/ui/pages/logout.js'
import { tags } from '../fixtures.js'

describe('renderLogoutConfirmPage', () => {
  const base = { nonce: 'n', action: '/logout', hidden: { state: 's1', client_id: 'notes' }, csrfToken: 'csrf-123' }

  it('asks first and POSTs the hidden fields and csrf_token', () => {
    const page = renderLogoutConfirmPage(base)
    expect(page).toContain('<h1>Sign out?</h1>')
    expect(tags(page, 'form')).toEqual([{ method: 'post', action: '/logout' }])
    expect(tags(page, 'input')).toEqual([
      { type: 'hidden', name: 'state', value: 's1' },
      { type: 'hidden', name: 'client_id', value: 'notes' },
      { type: 'hidden', name: 'csrf_token', value: 'csrf-123' },
    ])
    expect(page).toMatch(/<button type="submit"[^>]*>Sign out<\/button>/)
  })

  it('names the client when known', () => {
    expect(renderLogoutConfirmPage({ ...base, clientName: 'Notes' })).toContain('Notes is asking to sign you out.')
    expect(renderLogoutConfirmPage(base)).not.toContain('is asking')
  })
})

describe('renderLoggedOutPage', () => {
  it('confirms the sign-out', () => {
    const page = renderLoggedOutPage({ nonce: 'n' })
    expect(page).toContain('<h1>You have been signed out</h1>')
    expect(page).not.toContain('<form')
  })
})
