import { defaultPageRenderer, type PageEnvironment, type PageRenderer } from '../../src/ui/index.js'
import type { Translator } from '../../src/ui/messages/index.js'

/**
 * Every page Tessera renders, in each of its states, with view models as the server fills them (texts
 * from the page's language). The accessibility test (test/browser/accessibility.test.ts) visits each in
 * every language and at a phone's width, and test/ui/messages.test.ts checks none shows a catalogue key.
 *
 * A new page is one line here: `{ name: 'my page', render: (pages, nonce, env) => pages.myPage({ … }, nonce, env) }`.
 */
export interface GalleryPage {
  readonly name: string
  render(pages: PageRenderer, nonce: string, env: PageEnvironment): string
}

const HIDDEN = { state: 'af0ifjsldkj' }
const CSRF = 'csrf-token-value'
const CLIENT = 'Notes'
const ENROLMENT = { uri: 'otpauth://totp/Tessera:alice?secret=JBSWY3DPEHPK3PXP&issuer=Tessera', secret: 'JBSWY3DPEHPK3PXP' }
// A WebAuthn options JSON as the server sends it (the page only carries it in a data attribute).
const PASSKEY_OPTIONS = JSON.stringify({ challenge: 'c2lnbi1pbi1jaGFsbGVuZ2U', rpId: 'localhost', allowCredentials: [], userVerification: 'required', timeout: 300000 })
const CODES = ['abcd-efgh-ijkl', 'mnop-qrst-uvwx', 'yzab-cdef-ghij', 'klmn-opqr-stuv']

function accountSections(t: Translator) {
  return [
    {
      id: 'profile', title: t.text('account.profile.title'),
      description: [t.text('account.profile.username', { username: 'alice' }), t.text('account.profile.emailVerified', { email: 'alice@example.com' })].join(' · '),
      forms: [
        { action: '/account/profile', submitLabel: t.text('account.profile.save'), fields: [
          { name: 'name', label: t.text('account.profile.name'), type: 'text' as const, value: 'Alice Liddell', autocomplete: 'name', required: false },
          { name: 'given_name', label: t.text('account.profile.givenName'), type: 'text' as const, value: 'Alice', autocomplete: 'given-name', required: false },
        ] },
        { action: '/account/email', submitLabel: t.text('account.profile.changeEmail'), fields: [{ name: 'email', label: t.text('account.profile.newEmail'), type: 'email' as const, autocomplete: 'email' }] },
      ],
    },
    {
      id: 'password', title: t.text('account.password.title'), description: t.text('account.password.description'),
      forms: [{ action: '/account/password', submitLabel: t.text('account.password.submit'), fields: [
        { name: 'current_password', label: t.text('account.password.current'), type: 'password' as const, autocomplete: 'current-password' },
        { name: 'new_password', label: t.text('account.password.new'), type: 'password' as const, autocomplete: 'new-password' },
      ] }],
    },
    { id: 'two-factor', title: t.text('account.twoFactor.title'), description: t.text('account.twoFactor.off'), links: [{ href: '/account/two-factor', label: t.text('account.twoFactor.setUp') }] },
    { id: 'passkeys', title: t.text('passkey.account.title'), description: t.text('passkey.account.count', { count: 2 }), links: [{ href: '/account/passkeys', label: t.text('passkey.account.manage') }] },
    {
      id: 'apps', title: t.text('account.apps.title'), empty: t.text('account.apps.empty'),
      items: [{ label: CLIENT, detail: t.text('account.apps.allowed', { time: t.text('account.time', { time: '2026-12-03 10:00' }), scopes: 'openid, profile' }), action: { action: '/account/apps/revoke', submitLabel: t.text('account.apps.disconnect'), secondary: true, hidden: { client_id: 'notes' } } }],
    },
    {
      id: 'sessions', title: t.text('account.sessions.title'), empty: t.text('account.sessions.empty'),
      items: [{ label: t.text('account.sessions.signedIn', { time: '2026-12-03 10:00 UTC' }), detail: t.text('account.sessions.ends', { time: '2026-12-17 10:00 UTC' }), badge: t.text('account.sessions.thisBrowser'), action: { action: '/account/sessions/revoke', submitLabel: t.text('account.sessions.signOut'), secondary: true, hidden: { session: 'sid' } } }],
      forms: [{ action: '/account/sessions/revoke-all', submitLabel: t.text('account.sessions.signOutAll'), secondary: true }],
    },
  ]
}

export const PAGE_GALLERY: readonly GalleryPage[] = [
  { name: 'login', render: (pages, nonce, env) => pages.login({ action: '/interaction/1/login', hidden: HIDDEN, csrfToken: CSRF, clientName: CLIENT, links: [{ href: '/account/password-reset', label: env.t.text('login.forgotPassword') }, { href: '/account/register', label: env.t.text('login.createAccount') }] }, nonce, env) },
  { name: 'login with error', render: (pages, nonce, env) => pages.login({ action: '/interaction/1/login', hidden: HIDDEN, csrfToken: CSRF, clientName: CLIENT, username: 'alice', error: env.t.text('login.error.incorrect') }, nonce, env) },
  {
    name: 'federation chooser',
    render: (pages, nonce, env) => pages.login({
      action: '/interaction/1/login', hidden: HIDDEN, csrfToken: CSRF, clientName: CLIENT,
      alternatives: [
        { label: env.t.text('login.continueWith', { provider: 'Google' }), action: '/federation/google/login', hidden: { interaction: '1' } },
        { label: env.t.text('login.continueWith', { provider: 'GitHub' }), action: '/federation/github/login', hidden: { interaction: '1' } },
      ],
    }, nonce, env),
  },
  { name: 'consent', render: (pages, nonce, env) => pages.consent({ action: '/interaction/1/consent', hidden: HIDDEN, csrfToken: CSRF, clientName: CLIENT, userName: 'Alice Liddell', scopes: ['openid', 'profile', 'email', 'offline_access'], scopeDescriptions: {}, redirectHost: 'notes.example' }, nonce, env) },
  {
    name: 'consent, unverified client with APIs',
    render: (pages, nonce, env) => pages.consent({
      action: '/interaction/1/consent', hidden: HIDDEN, csrfToken: CSRF, clientName: 'MCP Inspector', userName: 'Alice Liddell', scopes: ['openid', 'notes:read'],
      scopeDescriptions: { 'notes:read': 'Read your notes' }, resources: [{ identifier: 'https://api.notes.example', scopes: ['notes:read'] }],
      unverified: true, clientHost: 'inspector.example', redirectHost: '127.0.0.1:6274', localhostOnly: true,
    }, nonce, env),
  },
  { name: 'second step', render: (pages, nonce, env) => pages.secondFactor({ action: '/interaction/1/second-factor', hidden: {}, csrfToken: CSRF, clientName: CLIENT }, nonce, env) },
  { name: 'second step with error', render: (pages, nonce, env) => pages.secondFactor({ action: '/interaction/1/second-factor', hidden: {}, csrfToken: CSRF, clientName: CLIENT, error: env.t.text('secondFactor.error.wrongCode') }, nonce, env) },
  { name: 'second step enrolment', render: (pages, nonce, env) => pages.secondFactor({ action: '/interaction/1/second-factor', hidden: {}, csrfToken: CSRF, clientName: CLIENT, enrolment: ENROLMENT }, nonce, env) },
  { name: 'second step recovery codes', render: (pages, nonce, env) => pages.secondFactor({ action: '/cb', hidden: {}, csrfToken: CSRF, clientName: CLIENT, recoveryCodes: CODES, continueUrl: '/cb' }, nonce, env) },
  { name: 'second step with passkey', render: (pages, nonce, env) => pages.secondFactor({ action: '/interaction/1/second-factor', hidden: {}, csrfToken: CSRF, clientName: CLIENT, passkey: { action: '/passkeys/sign-in/1' } }, nonce, env) },
  { name: 'second step, passkey only', render: (pages, nonce, env) => pages.secondFactor({ action: '/interaction/1/second-factor', hidden: {}, csrfToken: CSRF, clientName: CLIENT, passkey: { action: '/passkeys/sign-in/1', only: true } }, nonce, env) },
  { name: 'two-factor settings: password', render: (pages, nonce, env) => pages.twoFactorSettings({ action: '/account/two-factor', csrfToken: CSRF, state: 'password' }, nonce, env) },
  { name: 'two-factor settings: enrol', render: (pages, nonce, env) => pages.twoFactorSettings({ action: '/account/two-factor', csrfToken: CSRF, state: 'enrol', enrolment: ENROLMENT, error: env.t.text('twoFactor.error.wrongCode') }, nonce, env) },
  { name: 'two-factor settings: enabled', render: (pages, nonce, env) => pages.twoFactorSettings({ action: '/account/two-factor', csrfToken: CSRF, state: 'enabled', recoveryCodes: CODES, message: env.t.text('twoFactor.isOn') }, nonce, env) },
  { name: 'two-factor settings: disabled', render: (pages, nonce, env) => pages.twoFactorSettings({ action: '/account/two-factor', csrfToken: CSRF, state: 'disabled', message: env.t.text('twoFactor.isOff') }, nonce, env) },
  { name: 'account', render: (pages, nonce, env) => pages.account({ userName: 'Alice Liddell', csrfToken: CSRF, notice: env.t.text('account.notice.profile'), sections: accountSections(env.t) }, nonce, env) },
  { name: 'account with error', render: (pages, nonce, env) => pages.account({ userName: 'Alice Liddell', csrfToken: CSRF, error: env.t.text('account.error.wrong-password'), sections: accountSections(env.t).slice(0, 2) }, nonce, env) },
  {
    name: 'password reset request',
    render: (pages, nonce, env) => pages.accountForm({ title: env.t.text('reset.title'), lead: env.t.text('reset.lead'), csrfToken: CSRF, form: { action: '/account/password-reset', submitLabel: env.t.text('reset.submit'), fields: [{ name: 'email', label: env.t.text('reset.email'), type: 'email', autocomplete: 'email' }] } }, nonce, env),
  },
  { name: 'password reset sent', render: (pages, nonce, env) => pages.accountForm({ title: env.t.text('reset.sentTitle'), lead: env.t.text('reset.sentLead'), csrfToken: '' }, nonce, env) },
  {
    name: 'password reset confirm',
    render: (pages, nonce, env) => pages.accountForm({ title: env.t.text('reset.newTitle'), lead: env.t.text('reset.newLead'), csrfToken: CSRF, error: env.t.text('reset.weakPassword'), form: { action: '/account/password-reset/confirm', submitLabel: env.t.text('reset.newSubmit'), hidden: { token: 't' }, fields: [{ name: 'new_password', label: env.t.text('reset.newPassword'), type: 'password', autocomplete: 'new-password' }] } }, nonce, env),
  },
  { name: 'password reset done', render: (pages, nonce, env) => pages.accountForm({ title: env.t.text('reset.doneTitle'), lead: env.t.text('reset.doneLead'), csrfToken: '', links: [{ href: '/account', label: env.t.text('reset.signIn') }] }, nonce, env) },
  {
    name: 'registration',
    render: (pages, nonce, env) => pages.accountForm({
      title: env.t.text('register.title'), csrfToken: CSRF,
      form: { action: '/account/register', submitLabel: env.t.text('register.submit'), fields: [
        { name: 'username', label: env.t.text('register.username'), type: 'text', autocomplete: 'username' },
        { name: 'email', label: env.t.text('register.email'), type: 'email', autocomplete: 'email' },
        { name: 'password', label: env.t.text('register.password'), type: 'password', autocomplete: 'new-password' },
      ] },
    }, nonce, env),
  },
  { name: 'address confirmation', render: (pages, nonce, env) => pages.accountForm({ title: env.t.text('verify.title'), lead: env.t.text('verify.lead', { email: 'alice@example.com' }), csrfToken: CSRF, form: { action: '/account/verify-email', submitLabel: env.t.text('verify.submit'), hidden: { token: 't' } } }, nonce, env) },
  { name: 'device verification: enter', render: (pages, nonce, env) => pages.device({ step: 'enter', action: '/device', csrfToken: CSRF, userName: 'Alice Liddell', userCode: 'WDJB-MJHT' }, nonce, env) },
  { name: 'device verification: enter with error', render: (pages, nonce, env) => pages.device({ step: 'enter', action: '/device', csrfToken: CSRF, userName: 'Alice Liddell', userCode: 'WDJB-MJHX', error: env.t.text('device.error.unknownCode') }, nonce, env) },
  { name: 'device verification: confirm', render: (pages, nonce, env) => pages.device({ step: 'confirm', action: '/device', csrfToken: CSRF, userName: 'Alice Liddell', userCode: 'WDJB-MJHT', clientName: 'Smart TV', scopes: ['openid', 'profile', 'notes:read'], scopeDescriptions: { 'notes:read': 'Read your notes' } }, nonce, env) },
  { name: 'device verification: confirm, unverified client without scopes', render: (pages, nonce, env) => pages.device({ step: 'confirm', action: '/device', csrfToken: CSRF, userName: 'Alice Liddell', userCode: 'WDJB-MJHT', clientName: 'Some CLI', unverified: true }, nonce, env) },
  { name: 'device verification: approved', render: (pages, nonce, env) => pages.device({ step: 'done', action: '/device', csrfToken: CSRF, userName: 'Alice Liddell', outcome: 'approved' }, nonce, env) },
  { name: 'device verification: denied', render: (pages, nonce, env) => pages.device({ step: 'done', action: '/device', csrfToken: CSRF, userName: 'Alice Liddell', outcome: 'denied' }, nonce, env) },
  { name: 'passkey sign-in', render: (pages, nonce, env) => pages.passkeySignIn({ action: '/passkeys/sign-in/1', csrfToken: CSRF, clientName: CLIENT, options: PASSKEY_OPTIONS, scriptUrl: '/passkeys/script.js', mode: 'sign-in', backUrl: '/interaction/1' }, nonce, env) },
  { name: 'passkey second step with error', render: (pages, nonce, env) => pages.passkeySignIn({ action: '/passkeys/sign-in/1', csrfToken: CSRF, clientName: CLIENT, options: PASSKEY_OPTIONS, scriptUrl: '/passkeys/script.js', mode: 'second-factor', backUrl: '/interaction/1', error: env.t.text('passkey.error.notAccepted') }, nonce, env) },
  { name: 'passkey settings: password', render: (pages, nonce, env) => pages.passkeySettings({ action: '/account/passkeys', csrfToken: CSRF, state: 'password', scriptUrl: '/passkeys/script.js', accountUrl: '/account', error: env.t.text('twoFactor.error.reauthenticate') }, nonce, env) },
  { name: 'passkey settings: none yet', render: (pages, nonce, env) => pages.passkeySettings({ action: '/account/passkeys', csrfToken: CSRF, state: 'list', passkeys: [], options: PASSKEY_OPTIONS, scriptUrl: '/passkeys/script.js', accountUrl: '/account' }, nonce, env) },
  {
    name: 'passkey settings: list',
    render: (pages, nonce, env) => pages.passkeySettings({
      action: '/account/passkeys', csrfToken: CSRF, state: 'list', options: PASSKEY_OPTIONS, scriptUrl: '/passkeys/script.js', accountUrl: '/account',
      message: env.t.text('passkey.added', { name: 'Laptop' }),
      passkeys: [
        { id: 'Y3JlZC0x', name: 'Laptop', detail: env.t.text('passkey.detail', { added: env.t.text('account.time', { time: '2026-12-01 09:00' }), used: env.t.text('passkey.neverUsed'), kind: env.t.text('passkey.deviceOnly') }) },
        { id: 'Y3JlZC0y', name: 'Phone', detail: env.t.text('passkey.detail', { added: env.t.text('account.time', { time: '2026-11-20 18:30' }), used: env.t.text('passkey.lastUsed', { time: env.t.text('account.time', { time: '2026-12-03 10:00' }) }), kind: env.t.text('passkey.synced') }) },
      ],
    }, nonce, env),
  },
  { name: 'logout confirm', render: (pages, nonce, env) => pages.logoutConfirm({ action: '/logout', hidden: { confirm: 'yes' }, csrfToken: CSRF, clientName: CLIENT }, nonce, env) },
  { name: 'logged out', render: (pages, nonce, env) => pages.loggedOut({}, nonce, env) },
  { name: 'error page', render: (pages, nonce, env) => pages.error({ title: env.t.text('error.title.invalid_request'), message: env.t.text('error.interactionExpired'), code: 'invalid_request' }, nonce, env) },
  { name: 'error page with untranslated detail', render: (pages, nonce, env) => pages.error({ title: env.t.text('error.title.access_denied'), message: env.t.text('error.message.access_denied'), detail: 'The sign-in with Google was cancelled.', code: 'access_denied' }, nonce, env) },
]

/** A gallery page rendered by Tessera's own renderer. */
export function renderGalleryPage(page: GalleryPage, nonce: string, env: PageEnvironment): string {
  return page.render(defaultPageRenderer, nonce, env)
}
