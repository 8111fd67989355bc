import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClientContext } from '../../src/client/context.js'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth } from '../../src/client/oauth.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { startEvilProvider, type EvilProvider } from './evil-provider.js'
import { startEvilRp } from './evil-harness.js'
import { cookieHeader } from './session-flows.js'

const SECRET = 'presets-test-secret-0123456789-abcdefghij'
const silent = { warn: () => undefined, info: () => undefined }

/** A fake internet for plain OAuth providers: routes by method and URL to canned JSON. */
function fakeFetch(routes: Record<string, (init: RequestInit | undefined) => unknown>): { fetch: typeof fetch; seen: { url: string; init: RequestInit | undefined }[] } {
  const seen: { url: string; init: RequestInit | undefined }[] = []
  return {
    seen,
    fetch: async (input, init) => {
      const url = String(input)
      seen.push({ url, init })
      const route = routes[`${init?.method ?? 'GET'} ${url.split('?')[0]}`]
      if (!route) return new Response('not found', { status: 404 })
      return new Response(JSON.stringify(route(init)), { status: 200, headers: { 'content-type': 'application/json' } })
    },
  }
}

async function plainOAuthLogin(oauth: ReturnType<typeof createOAuth>, name: string): Promise<{ location: URL; result: Awaited<ReturnType<typeof oauth.authorizeAccessToken>> }> {
  const start = createClientContext({ url: 'https://app.example/login', headers: {}, https: true })
  const redirect = await oauth.authorizeRedirect(start, name, `https://app.example/cb/${name}`)
  const location = new URL(redirect.location)
  const callback = createClientContext({ url: `https://app.example/cb/${name}?code=the-code&state=${location.searchParams.get('state') ?? ''}`, headers: { cookie: cookieHeader(start.cookies) } })
  return { location, result: await oauth.authorizeAccessToken(callback, name) }
}

describe('github preset (plain OAuth 2.0)', () => {
  it('logs in: JSON token response, numeric id as subject, primary verified email', async () => {
    const internet = fakeFetch({
      'POST https://github.com/login/oauth/access_token': () => ({ access_token: 'gho_x', token_type: 'bearer', scope: 'read:user,user:email' }),
      'GET https://api.github.com/user': () => ({ id: 583231, login: 'octocat', name: 'The Octocat', avatar_url: 'https://avatars.githubusercontent.com/u/583231', email: 'public-unverified@example.com' }),
      'GET https://api.github.com/user/emails': () => [
        { email: 'old@example.com', primary: false, verified: true },
        { email: 'octocat@github.test', primary: true, verified: true },
      ],
    })
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET, fetch: internet.fetch })
    oauth.register({ name: 'github', preset: 'github', clientId: 'gh-client', clientSecret: 'gh-secret', scope: 'read:user user:email' })
    const { location, result } = await plainOAuthLogin(oauth, 'github')
    expect(`${location.origin}${location.pathname}`).toBe('https://github.com/login/oauth/authorize')
    expect(location.searchParams.get('nonce')).toBeNull()
    expect(location.searchParams.get('code_challenge_method')).toBe('S256')
    expect(result.user).toMatchObject({ provider: 'github', issuer: 'https://github.com', sub: '583231', email: 'octocat@github.test', email_verified: true, preferred_username: 'octocat', name: 'The Octocat' })
    expect(result.claims).toBeUndefined()
    const token = internet.seen.find((call) => call.url === 'https://github.com/login/oauth/access_token')
    expect(new Headers(token?.init?.headers).get('accept')).toBe('application/json')
    expect(String(token?.init?.body)).toContain('client_secret=gh-secret')
  })

  it('leaves the email out when GitHub has no verified primary email', async () => {
    const internet = fakeFetch({
      'POST https://github.com/login/oauth/access_token': () => ({ access_token: 'gho_x', token_type: 'bearer' }),
      'GET https://api.github.com/user': () => ({ id: 1, login: 'someone', email: 'claimed@example.com' }),
      'GET https://api.github.com/user/emails': () => [{ email: 'claimed@example.com', primary: true, verified: false }],
    })
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET, fetch: internet.fetch })
    oauth.register({ name: 'github', preset: 'github', clientId: 'gh', clientSecret: 's', scope: 'read:user' })
    const { result } = await plainOAuthLogin(oauth, 'github')
    expect(result.user.email).toBeUndefined()
    expect(result.user.sub).toBe('1')
  })
})

describe('discord preset (plain OAuth 2.0)', () => {
  it('reads the user from /users/@me', async () => {
    const internet = fakeFetch({
      'POST https://discord.com/api/oauth2/token': () => ({ access_token: 'd', token_type: 'Bearer', expires_in: 604800, refresh_token: 'r', scope: 'identify email' }),
      'GET https://discord.com/api/v10/users/@me': () => ({ id: '80351110224678912', username: 'nelly', global_name: 'Nelly', email: 'nelly@discord.test', verified: true, avatar: 'abc' }),
    })
    const oauth = createOAuth({ store: createMemoryClientStore(), secret: SECRET, fetch: internet.fetch })
    oauth.register({ name: 'discord', preset: 'discord', clientId: 'dc', clientSecret: 's', scope: 'identify email' })
    const { result } = await plainOAuthLogin(oauth, 'discord')
    expect(result.user).toMatchObject({ issuer: 'https://discord.com', sub: '80351110224678912', email: 'nelly@discord.test', email_verified: true, name: 'Nelly' })
    expect(result.tokens.refresh_token).toBe('r')
  })
})

describe('apple preset (form_post)', () => {
  let evil: EvilProvider
  beforeAll(async () => {
    evil = await startEvilProvider()
  })
  afterAll(async () => {
    await evil?.close()
  })

  it('logs in with a form_post callback; the transaction cookie is SameSite=None; Secure', async () => {
    const app = await startEvilRp(evil, { preset: 'apple', issuer: evil.url, scope: 'openid email' }, { logger: silent })
    try {
      const browser = new Browser()
      const start = await browser.get(`${app.origin}/login/evil`)
      expect(new URL(start.headers.get('location') ?? '').searchParams.get('response_mode')).toBe('form_post')
      expect(start.headers.getSetCookie()[0]).toMatch(/SameSite=None; Secure/)
      const page = await browser.get(start.headers.get('location') ?? '')
      const form = parseForm(await page.text())
      // A GET to the callback (query instead of form) is not accepted for a form_post provider.
      const query = new URL(form.action)
      for (const [name, value] of Object.entries(form.fields)) query.searchParams.set(name, value)
      expect((await browser.get(query.href)).status).toBe(400)
      const start2 = await browser.get(`${app.origin}/login/evil`)
      const form2 = parseForm(await (await browser.get(start2.headers.get('location') ?? '')).text())
      const done = await browser.post(form2.action, form2.fields)
      expect(done.status).toBe(303)
      expect((await browser.get(`${app.origin}/me`)).status).toBe(200)
      const token = evil.requests.filter((request) => request.path === '/token').at(-1)
      expect(token?.body.get('client_secret')).toBe(evil.clientSecret)
    } finally {
      await app.close()
    }
  })
})
