import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Where the system Chromium lives; `CHROMIUM_PATH` overrides Debian's default. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Flags for a headless Chromium on a closed network: no sandbox (containers), and none of the background
 * traffic (updates, sync, QUIC probes) that would otherwise stall on DNS or time out.
 */
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Launches the system Chromium through playwright-core. A missing browser is an error, never a silent skip,
 * so a machine without Chromium cannot pass the browser suite by running nothing.
 *
 * @example const browser = await launchChromium(); const page = await browser.newPage()
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}. Install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH to a Chromium executable.`)
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
}
