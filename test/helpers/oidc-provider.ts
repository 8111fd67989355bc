/**
 * panva's oidc-provider as the independent authorization server of the relying-party tests
 * (test/client/oidc-provider*.test.ts): loading it (it ships no type declarations), serving it on a
 * loopback port, and the browser's way through its development login and consent pages.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import { parseForm, type Browser } from './http-client.js'

/** The few members of oidc-provider's `Provider` the tests use, typed at the import. */
export interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void
}
export type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider

export async function loadProvider(): Promise<ProviderClass> {
  const module = (await import('oidc-provider' as string)) as { default: ProviderClass }
  return module.default
}

export interface RunningProvider {
  issuer: string
  close(): Promise<void>
}

/**
 * Listens on a loopback port first (the issuer needs the port), then builds the provider with
 * `configuration(issuer)` and an RS256 signing key of its own unless the configuration brings `jwks`.
 */
export async function startOidcProvider(configuration: (issuer: string) => Record<string, unknown> | Promise<Record<string, unknown>>): Promise<RunningProvider> {
  const http: Server = createServer()
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const Provider = await loadProvider()
  const provider = new Provider(issuer, { jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'rs-1' }] }, ...(await configuration(issuer)) })
  http.on('request', provider.callback())
  return {
    issuer,
    async close() {
      http.closeAllConnections()
      await new Promise((resolve) => http.close(resolve))
    },
  }
}

/**
 * Plays the browser from the authorization request through oidc-provider's development login (as
 * `account`) and consent pages, and stops at the redirect to `isCallback` (unfollowed).
 */
export async function authorizeAtOidcProvider(browser: Browser, issuer: string, authorizationUrl: string, account: string, isCallback: (url: URL) => boolean): Promise<URL> {
  let response = await browser.get(authorizationUrl)
  for (let step = 0; step < 10; step++) {
    const location = response.headers.get('location')
    if (![302, 303].includes(response.status) || location === null) throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`)
    const next = new URL(location, issuer)
    if (isCallback(next)) return next
    if (!next.pathname.startsWith('/interaction/')) {
      response = await browser.get(next.href)
      continue
    }
    const form = parseForm(await (await browser.get(next.href)).text())
    const answer: Record<string, string> = form.fields.prompt === 'login' ? { login: account, password: 'any' } : {}
    response = await browser.post(new URL(form.action, next).href, { ...form.fields, ...answer })
  }
  throw new Error('the login did not come back to the app')
}

/** Keeps the app's `Set-Cookie` values in the browser's jar. */
export function keepCookies(browser: Browser, setCookies: string[]): void {
  for (const cookie of setCookies) {
    const [pair = ''] = cookie.split(';')
    browser.jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1))
  }
}
