import { describe, expect, it } from 'vitest'
import { defaultPageRenderer, describeScopes, renderConsentPage, renderErrorPage, renderLoggedOutPage, renderLoginPage, renderLogoutConfirmPage } from '../../src/ui/index.js'

const nonce = 'bm9uY2U='
const form = { action: '/interaction/abc/login', hidden: { state: 's' }, csrfToken: 'csrf' }

// The server renders through the contract; these pin it to the page functions the ui tests cover.
describe('defaultPageRenderer', () => {
  it('renders each view model as the matching page function does', () => {
    expect(defaultPageRenderer.login({ ...form, clientName: 'Notes', username: 'ada', error: 'Wrong' }, nonce)).toBe(
      renderLoginPage({ ...form, nonce, clientName: 'Notes', username: 'ada', error: 'Wrong' }),
    )
    expect(defaultPageRenderer.consent({ ...form, clientName: 'Notes', userName: 'Ada', scopes: ['openid', 'read:notes', 'openid'], scopeDescriptions: { 'read:notes': 'Read your notes' } }, nonce)).toBe(
      renderConsentPage({ ...form, nonce, clientName: 'Notes', userName: 'Ada', scopes: describeScopes(['openid', 'read:notes'], { 'read:notes': 'Read your notes' }) }),
    )
    expect(defaultPageRenderer.logoutConfirm({ ...form, clientName: 'Notes' }, nonce)).toBe(renderLogoutConfirmPage({ ...form, nonce, clientName: 'Notes' }))
    expect(defaultPageRenderer.loggedOut({}, nonce)).toBe(renderLoggedOutPage({ nonce }))
    expect(defaultPageRenderer.error({ title: 'Access denied', message: 'No.', code: 'access_denied' }, nonce)).toBe(
      renderErrorPage({ nonce, title: 'Access denied', message: 'No.', code: 'access_denied' }),
    )
  })
})
