/**
 * A small browser-like HTTP client for black-box tests: a cookie jar (host-only, by name), no automatic
 * redirects, and helpers to read forms out of Tessera's pages.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>()

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';')
      const index = pair.indexOf('=')
      const name = pair.slice(0, index).trim()
      const value = pair.slice(index + 1).trim()
      if (/max-age=0/i.test(header) || value === '') this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name)
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value)
  }

  clone(): CookieJar {
    const jar = new CookieJar()
    for (const [name, value] of this.#cookies) jar.set(name, value)
    return jar
  }
}

export class Browser {
  readonly jar: CookieJar

  constructor(jar = new CookieJar()) {
    this.jar = jar
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: this.jar.header(), ...headers } })
    this.jar.store(response)
    return response
  }

  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.jar.header(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    })
    this.jar.store(response)
    return response
  }
}

export interface ParsedForm {
  action: string
  fields: Record<string, string>
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/** The first form of an HTML page, with its hidden inputs. */
export function parseForm(html: string): ParsedForm {
  const form = /<form[^>]*action="([^"]*)"/i.exec(html)
  if (!form?.[1]) throw new Error(`no form in page: ${html.slice(0, 500)}`)
  const fields: Record<string, string> = {}
  for (const match of html.matchAll(/<input[^>]*>/gi)) {
    const tag = match[0]
    if (!/type="hidden"/i.test(tag)) continue
    const name = /name="([^"]*)"/i.exec(tag)?.[1]
    const value = /value="([^"]*)"/i.exec(tag)?.[1] ?? ''
    if (name) fields[decodeEntities(name)] = decodeEntities(value)
  }
  return { action: decodeEntities(form[1]), fields }
}

/**
 * Plays the user's browser: follows an authorization request through the login and consent pages and stops
 * at the redirect to the client, which it returns unfollowed, as the client's callback would receive it.
 */
export async function signInThroughPages(authorizationUrl: URL, redirectUri: string, user: { username: string; password: string }): Promise<URL> {
  const browser = new Browser()
  let response = await browser.get(authorizationUrl.href)
  for (let step = 0; step < 6; step++) {
    const location = response.headers.get('location')
    if (response.status !== 303 || location === null) throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`)
    const next = new URL(location, authorizationUrl)
    if (next.href.startsWith(redirectUri)) return next
    const form = parseForm(await (await browser.get(next.href)).text())
    const answer: Record<string, string> = form.action.endsWith('/login') ? { username: user.username, password: user.password } : { decision: 'allow' }
    response = await browser.post(new URL(form.action, next).href, { ...form.fields, ...answer })
  }
  throw new Error('the authorization request did not come back to the client')
}
