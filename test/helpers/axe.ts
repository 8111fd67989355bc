import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'

/**
 * axe-core in a real Chromium page: the WCAG 2.x A/AA and best-practice rules, run through the DevTools
 * protocol because the pages' own CSP allows no injected script (and needs not be loosened for the check).
 */

const AXE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8')

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[] }[]
}

/** Every violation axe finds in the page showing now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const session = await page.context().newCDPSession(page)
  await session.send('Runtime.evaluate', { expression: AXE })
  const result = await session.send('Runtime.evaluate', {
    expression: "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))",
    awaitPromise: true,
    returnByValue: true,
  })
  await session.detach()
  if (result.exceptionDetails) throw new Error(`axe failed: ${JSON.stringify(result.exceptionDetails)}`)
  return result.result.value as AxeViolation[]
}

/** The serious and critical violations of the page showing now, each as one line named after `name`. */
export async function seriousViolations(page: Page, name: string): Promise<string[]> {
  return (await axeViolations(page))
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${name}: ${violation.id} (${violation.impact}) ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)
}
