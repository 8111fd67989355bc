import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose'
import type { Browser } from '../../helpers/http-client.js'
import { newPkce } from '../../helpers/pkce.js'
import { exchangeCode, type TestClient, type TestServer, type TokenSet } from '../../helpers/tessera.js'

/** The "Continue with …" forms of a login page: action and fields, by label. */
export function alternativeForms(html: string): Map<string, { action: string; fields: Record<string, string> }> {
  const forms = new Map<string, { action: string; fields: Record<string, string> }>()
  for (const match of html.matchAll(/<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/g)) {
    const [, action = '', inner = ''] = match
    const label = /<button[^>]*>([^<]*)<\/button>/.exec(inner)?.[1]
    if (!label?.startsWith('Continue with')) continue
    const fields: Record<string, string> = {}
    for (const input of inner.matchAll(/<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"/g)) fields[input[1] ?? ''] = input[2] ?? ''
    forms.set(label.replace(/^Continue with /, ''), { action: action.replace(/&amp;/g, '&'), fields })
  }
  return forms
}

export interface Started {
  /** The login page's HTML. */
  loginHtml: string
  interactionUrl: string
  verifier: string
}

/** `/authorize` for the client, up to the login page. */
export async function openLoginPage(server: TestServer, browser: Browser, client: TestClient, extra: Record<string, string> = {}): Promise<Started & { first: Response }> {
  const { verifier, challenge } = newPkce()
  const params = new URLSearchParams({
    response_type: 'code', client_id: client.id, redirect_uri: client.redirectUri, scope: 'openid profile email',
    state: 'client-state', nonce: 'client-nonce', code_challenge: challenge, code_challenge_method: 'S256', ...extra,
  })
  const first = await browser.get(`${server.url}/authorize?${params.toString()}`)
  const interactionUrl = first.headers.get('location') ?? ''
  if (!interactionUrl.startsWith(`${server.url}/interaction/`)) return { first, loginHtml: '', interactionUrl, verifier }
  const page = await browser.get(interactionUrl)
  return { first, loginHtml: await page.text(), interactionUrl, verifier }
}

/** Presses "Continue with <label>": the answer is the redirect to the upstream. */
export async function pressContinue(browser: Browser, loginHtml: string, label: string): Promise<Response> {
  const form = alternativeForms(loginHtml).get(label)
  if (!form) throw new Error(`no "Continue with ${label}" on the login page`)
  return browser.post(form.action, form.fields)
}

/** Follows the redirect to the upstream (which answers at once) and returns the upstream's redirect to Tessera's callback. */
export async function atUpstream(browser: Browser, toUpstream: Response): Promise<URL> {
  const location = toUpstream.headers.get('location')
  if (toUpstream.status !== 303 || !location) throw new Error(`expected a redirect to the upstream, got ${toUpstream.status}: ${(await toUpstream.text()).slice(0, 400)}`)
  const answer = await browser.get(location)
  const back = answer.headers.get('location')
  if (answer.status !== 302 || !back) throw new Error(`the upstream answered ${answer.status}`)
  return new URL(back)
}

/** From Tessera's callback on: consent if asked, until the redirect to the client. */
export async function finishAtTessera(server: TestServer, browser: Browser, callback: Response): Promise<Response> {
  let response = callback
  for (let step = 0; step < 4; step++) {
    const location = response.headers.get('location')
    if (response.status !== 303 || !location?.startsWith(`${server.url}/interaction/`)) return response
    const html = await (await browser.get(location)).text()
    const action = /<form method="post" action="([^"]*\/consent)"/.exec(html)?.[1]
    const csrf = /name="csrf_token" value="([^"]*)"/.exec(html)?.[1]
    if (!action || !csrf) throw new Error(`expected the consent page: ${html.slice(0, 400)}`)
    response = await browser.post(action, { csrf_token: csrf, decision: 'allow' })
  }
  return response
}

/** The whole federated sign-in of `client` through upstream `label`; returns the client's redirect. */
export async function federatedLogin(server: TestServer, browser: Browser, client: TestClient, label: string): Promise<{ response: Response; verifier: string }> {
  const started = await openLoginPage(server, browser, client)
  const callback = await atUpstream(browser, await pressContinue(browser, started.loginHtml, label))
  const response = await finishAtTessera(server, browser, await browser.get(callback.href))
  return { response, verifier: started.verifier }
}

/** Redeems the code of a client redirect and returns the tokens and the verified ID token claims. */
export async function redeem(server: TestServer, client: TestClient, redirect: Response, verifier: string): Promise<{ tokens: TokenSet; idToken: JWTPayload }> {
  const location = new URL(redirect.headers.get('location') ?? '')
  const code = location.searchParams.get('code') ?? undefined
  if (!code) throw new Error(`no code in ${location.href}`)
  const answer = await exchangeCode(server, client, { code, verifier, location, params: location.searchParams })
  if (answer.status !== 200) throw new Error(`token exchange failed: ${answer.status} ${await answer.text()}`)
  const tokens = (await answer.json()) as TokenSet
  const jwks = createLocalJWKSet(await (await fetch(`${server.url}/jwks`)).json())
  const { payload } = await jwtVerify(tokens.id_token ?? '', jwks, { issuer: server.url, audience: client.id })
  return { tokens, idToken: payload }
}
