import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_USER_STYLES,
  html,
  htmlSecurityHeaders,
  newNonce,
  renderAdminConfirmPage,
  renderAdminKeyRotatePage,
  renderAdminKeysPage,
  renderAdminUserPage,
  renderAdminUsersPage,
  renderPage,
  type AdminUserSummary,
  type SafeHtml,
} from '../../src/ui/index.js'
import { launchChromium } from '../helpers/chromium.js'

/**
 * axe-core in Chromium on the admin console's users and keys views, in the shared page layout with their
 * style block, light and dark: no serious or critical violation. The console's frame (navigation, its own
 * layout) is checked with it once merged; this guards the views' own markup (labels, table headers,
 * headings, contrast of the console's classes) before then. Axe goes in through the DevTools protocol so
 * the strict CSP stays.
 */

const TEST_TIMEOUT = 120_000
const AXE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8')

const user: AdminUserSummary = {
  id: '6f1c2b7e-0000-4000-8000-000000000001', username: 'alice', name: 'Alice Example', givenName: 'Alice', familyName: 'Example',
  email: 'alice@example.com', emailVerified: false, picture: 'https://cdn.example/alice.png', mfaEnrolled: true, requireMfa: true,
  createdAt: 1_700_000_000, updatedAt: 1_700_000_100,
}

const VIEWS: ReadonlyArray<{ name: string; title: string; body: () => SafeHtml }> = [
  { name: 'users list', title: 'Users', body: () => renderAdminUsersPage({ base: '/admin', csrfToken: 'c', search: 'ali', users: [user, { ...user, id: 'u2', username: 'bob', email: null, mfaEnrolled: false, requireMfa: false }], paged: true, next: 'cursor=abc', notice: 'The user was deleted.', error: 'This was refused.', errors: ['password: too short'] }) },
  {
    name: 'user', title: 'User alice', body: () => renderAdminUserPage({
      base: '/admin', csrfToken: 'c', user, etag: '"e"', notice: 'The changes were saved.',
      sessions: [{ sid: 'sid-1', authTime: 1_700_000_000, createdAt: 1_700_000_000, expiresAt: 1_700_086_400, userAgent: 'Mozilla/5.0' }],
      consents: [{ clientId: 'conf', scopes: ['openid', 'profile'], createdAt: 1_700_000_000, updatedAt: 1_700_000_000 }],
    }),
  },
  { name: 'confirm', title: 'Revoke a session', body: () => renderAdminConfirmPage({ base: '/admin', csrfToken: 'c', action: '/users/u/sessions/s/revoke', question: 'The user is signed out of this session.', subject: 'Session s of alice', submitLabel: 'Revoke the session', cancel: '/users/u' }) },
  { name: 'keys', title: 'Signing keys', body: () => renderAdminKeysPage({ base: '/admin', notice: 'The keys were rotated.', keys: [{ kid: 'k1', alg: 'ES256', active: true, createdAt: 1_700_000_000, retiredAt: null, expiresAt: null }, { kid: 'k0', alg: 'RS256', active: false, createdAt: 1_600_000_000, retiredAt: 1_700_000_000, expiresAt: 1_700_086_400 }] }) },
  { name: 'key rotation', title: 'Rotate the signing keys', body: () => renderAdminKeyRotatePage({ base: '/admin', csrfToken: 'c', freshSignIn: true }) },
]

let http: Server
let base: string
let chromium: Browser

beforeAll(async () => {
  http = createServer((request, response) => {
    const view = VIEWS[Number(/^\/(\d+)$/.exec(request.url ?? '')?.[1] ?? -1)]
    if (!view) {
      response.writeHead(404).end()
      return
    }
    const nonce = newNonce()
    // The console's style block beside the pages' own, under the same nonce, as the frame serves it.
    const page = renderPage({ nonce, title: view.title, wide: true, body: html`<h1>${view.title}</h1>\n${view.body()}` })
      .replace('</head>', `<style nonce="${nonce}">${ADMIN_USER_STYLES}</style>\n</head>`)
    response.writeHead(200, Object.fromEntries(htmlSecurityHeaders({ nonce })))
    response.end(page)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()))
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  chromium = await launchChromium()
}, TEST_TIMEOUT)

afterAll(async () => {
  await chromium?.close()
  http?.closeAllConnections()
  await new Promise<void>((resolve) => http?.close(() => resolve()))
})

async function seriousViolations(page: Page): Promise<string[]> {
  const session = await page.context().newCDPSession(page)
  await session.send('Runtime.evaluate', { expression: AXE })
  const result = await session.send('Runtime.evaluate', {
    expression: "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }).then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ' ' + v.help + ' at ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))",
    awaitPromise: true,
    returnByValue: true,
  })
  await session.detach()
  if (result.exceptionDetails) throw new Error(`axe failed: ${JSON.stringify(result.exceptionDetails)}`)
  return result.result.value as string[]
}

describe.each(['light', 'dark'] as const)('admin users and keys views, %s', (colorScheme) => {
  it('have no serious or critical axe-core violation, and the CSP blocks nothing they need', async () => {
    const context = await chromium.newContext({ colorScheme })
    const page = await context.newPage()
    const refused: string[] = []
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text())
    })
    const found: string[] = []
    try {
      for (const [index, view] of VIEWS.entries()) {
        expect((await page.goto(`${base}/${index}`))?.status()).toBe(200)
        for (const violation of await seriousViolations(page)) found.push(`${view.name}: ${violation}`)
      }
    } finally {
      await context.close()
    }
    expect(found).toEqual([])
    expect(refused).toEqual([])
  }, TEST_TIMEOUT)
})
