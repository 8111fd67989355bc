// One complete login in a fresh "browser" (its own cookie jar): authorize → login form → consent →
// redirect with the code → token request. Shared by the login scenario and the soak.
import { createHash, randomBytes } from 'node:crypto'
import { API, CLIENT_ID, PASSWORD, REDIRECT_URI, USERNAME, basicAuthorization } from './fixtures.mjs'

/** The cookies of one browser, by name (the servers under test set host-only cookies on one origin). */
class Browser {
  #cookies = new Map()
  #origin

  constructor(origin) {
    this.#origin = origin
  }

  async send(target, { method = 'GET', form } = {}) {
    const headers = {}
    if (this.#cookies.size > 0) headers.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      headers.origin = this.#origin
    }
    const response = await fetch(target, { method, headers, body: form ? new URLSearchParams(form).toString() : undefined, redirect: 'manual' })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';')
      const index = pair.indexOf('=')
      const name = pair.slice(0, index).trim()
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute) || /^\s*expires=thu, 01 jan 1970/i.test(attribute))
      if (expired) this.#cookies.delete(name)
      else this.#cookies.set(name, pair.slice(index + 1).trim())
    }
    return response
  }
}

function decodeEntities(value) {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

/** The page's POST form: its action and hidden fields, and whether it asks for a password. */
function readForm(html, pageUrl) {
  const form = /<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html)
  if (!form) throw new Error(`no form on ${pageUrl}: ${html.slice(0, 200)}`)
  const fields = {}
  for (const [input] of form[2].matchAll(/<input\b[^>]*>/gi)) {
    if (!/type="hidden"/i.test(input)) continue
    const name = /name="([^"]*)"/.exec(input)?.[1]
    if (name !== undefined) fields[name] = decodeEntities(/value="([^"]*)"/.exec(input)?.[1] ?? '')
  }
  return { action: new URL(decodeEntities(form[1]), pageUrl).href, fields, asksPassword: /name="password"/.test(form[2]) }
}

/**
 * Logs in and exchanges the code; resolves with the token response. `metadata` is the server's discovery
 * document; client and user default to the bench fixtures (the shipped rows pass their CLI-made client).
 */
export async function loginFlow(metadata, { clientId = CLIENT_ID, authorization = basicAuthorization(), username = USERNAME, password = PASSWORD } = {}) {
  const browser = new Browser(new URL(metadata.issuer).origin)
  const verifier = randomBytes(32).toString('base64url')
  const state = randomBytes(16).toString('base64url')
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email offline_access notes:read',
    resource: API,
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    // Consent on every login, on both servers (Tessera would otherwise remember it per user).
    prompt: 'consent',
  })
  let location = `${metadata.authorization_endpoint}?${query}`
  let response = await browser.send(location)
  let code
  for (let step = 0; step < 12 && code === undefined; step++) {
    if (response.status >= 300 && response.status < 400) {
      await response.arrayBuffer()
      location = new URL(response.headers.get('location'), location).href
      if (location.startsWith(REDIRECT_URI)) {
        const params = new URL(location).searchParams
        if (params.get('state') !== state || !params.get('code')) throw new Error(`bad redirect ${location}`)
        code = params.get('code')
        break
      }
      response = await browser.send(location)
    } else if (response.status === 200) {
      const form = readForm(await response.text(), location)
      const submitted = form.asksPassword ? { ...form.fields, username, password } : { ...form.fields, decision: 'allow' }
      location = form.action
      response = await browser.send(location, { method: 'POST', form: submitted })
    } else {
      throw Object.assign(new Error(`${location}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`), { status: response.status })
    }
  }
  if (code === undefined) throw new Error('no code after 12 steps')
  const token = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString(),
  })
  const tokens = await token.json()
  if (token.status !== 200 || !tokens.id_token || !tokens.access_token) throw Object.assign(new Error(`token: ${token.status} ${JSON.stringify(tokens)}`), { status: token.status })
  return tokens
}
