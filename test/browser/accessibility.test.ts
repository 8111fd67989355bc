import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILT_IN_CATALOGUES, createTranslator, htmlSecurityHeaders, newNonce, type PageEnvironment } from '../../src/ui/index.js'
import { axeViolations } from '../helpers/axe.js'
import { launchChromium } from '../helpers/chromium.js'
import { PAGE_GALLERY, renderGalleryPage } from '../helpers/page-gallery.js'

/**
 * axe-core on every page in Chromium, in every language, once plain and once with an operator's theme:
 * no serious or critical violation (WCAG 2.2 A/AA rules: labels, contrast, landmarks, headings, lang).
 * axe is injected through the DevTools protocol (Runtime.evaluate), so the pages keep their strict CSP,
 * the one they are served with here. At a phone's size (375×667) no page scrolls sideways.
 */

const TEST_TIMEOUT = 120_000
// A data: logo the CSP allows (img-src 'self' data:): a small green square.
const LOGO = `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#0a7d33"/></svg>').toString('base64')}`

interface Variant {
  readonly name: string
  readonly env: PageEnvironment
  readonly colorScheme: 'light' | 'dark'
}

const VARIANTS: readonly Variant[] = Object.keys(BUILT_IN_CATALOGUES).flatMap((locale) => {
  const t = createTranslator(locale, BUILT_IN_CATALOGUES[locale] ?? {})
  const theme = { productName: 'Acme Identity', logoUrl: LOGO, primaryColor: '#ffd400', accentColor: '#0a5c2a' }
  return [
    { name: locale, env: { t }, colorScheme: 'light' as const },
    { name: `${locale}, themed`, env: { t, theme }, colorScheme: 'light' as const },
    { name: `${locale}, themed, dark`, env: { t, theme }, colorScheme: 'dark' as const },
  ]
})

let http: Server
let base: string
let chromium: Browser

beforeAll(async () => {
  http = createServer((request, response) => {
    if (request.url === '/control') {
      // What the check must catch: an unlabelled field and grey-on-white text.
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      response.end('<!doctype html><html lang="en"><title>Control</title><main><h1>Control</h1><p style="color:#ccc">Faint text</p><form><input name="x"></form></main></html>')
      return
    }
    const [, variant = '', index = ''] = /^\/(\d+)\/(\d+)$/.exec(request.url ?? '') ?? []
    const page = PAGE_GALLERY[Number(index)]
    const chosen = VARIANTS[Number(variant)]
    if (!page || !chosen) {
      response.writeHead(404).end()
      return
    }
    const nonce = newNonce()
    response.writeHead(200, Object.fromEntries(htmlSecurityHeaders({ nonce })))
    response.end(renderGalleryPage(page, nonce, chosen.env))
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

it('the check finds what it is for: a page with an unlabelled field and faint text fails it', async () => {
  const context = await chromium.newContext()
  const page = await context.newPage()
  try {
    await page.goto(`${base}/control`)
    const ids = (await axeViolations(page)).filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => violation.id)
    expect(ids).toEqual(expect.arrayContaining(['label', 'color-contrast']))
  } finally {
    await context.close()
  }
}, TEST_TIMEOUT)

describe.each(VARIANTS.map((variant, index) => ({ ...variant, index })))('every page, $name', ({ index: variant, colorScheme }) => {
  it('has no serious or critical axe-core violation', async () => {
    const context = await chromium.newContext({ colorScheme })
    const page = await context.newPage()
    const found: string[] = []
    try {
      for (const [index, entry] of PAGE_GALLERY.entries()) {
        const response = await page.goto(`${base}/${variant}/${index}`)
        expect(response?.status()).toBe(200)
        for (const violation of await axeViolations(page)) {
          if (violation.impact === 'serious' || violation.impact === 'critical') {
            found.push(`${entry.name}: ${violation.id} (${violation.impact}) ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)
          }
        }
      }
    } finally {
      await context.close()
    }
    expect(found).toEqual([])
  }, TEST_TIMEOUT)

  it('fits a phone screen (375×667): no page scrolls sideways', async () => {
    const context = await chromium.newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, colorScheme })
    const page = await context.newPage()
    const wide: string[] = []
    try {
      for (const [index, entry] of PAGE_GALLERY.entries()) {
        await page.goto(`${base}/${variant}/${index}`)
        const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }))
        if (scrollWidth > clientWidth) wide.push(`${entry.name}: ${scrollWidth} > ${clientWidth}`)
      }
    } finally {
      await context.close()
    }
    expect(wide).toEqual([])
  }, TEST_TIMEOUT)
})
