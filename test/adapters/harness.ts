/**
 * What the framework-native adapter tests (fastify.test.ts, hono.test.ts) share: an issuer the resource
 * server trusts with a `notes:read` token, a relying party registered at the evil provider, and the login
 * that shows the client middleware writing its cookies however the routes answer.
 */
import { expect } from 'vitest'
import { createMemoryClientStore } from '../../src/client/memory-store.js'
import { createOAuth, type OAuth } from '../../src/client/oauth.js'
import { createResourceServer, type ResourceServer } from '../../src/resource/index.js'
import { Browser } from '../helpers/http-client.js'
import { startEvilProvider, type EvilProvider } from '../client/evil-provider.js'
import { AUDIENCE, FakeAuthorizationServer, accessToken, generateKey, type TestKey } from '../resource/fixtures.js'

export interface NotesIssuer {
  as: FakeAuthorizationServer
  /** The key its JWKS serves, to sign more tokens with. */
  key: TestKey
  /** A valid `notes:read` token for `alice`. */
  read: string
  /** A resource server trusting `as`, realm `notes`. */
  rs: ResourceServer
}

/** A fake authorization server serving one ES256 key, and a resource server trusting it. */
export async function startNotesIssuer(): Promise<NotesIssuer> {
  const key = generateKey('ES256')
  const as = await new FakeAuthorizationServer().start()
  as.jwks = { keys: [key.publicJwk] }
  return { as, key, read: accessToken(key, as.url), rs: createResourceServer({ issuer: as.url, audience: AUDIENCE, realm: 'notes' }) }
}

export interface EvilLogin {
  evil: EvilProvider
  /** A relying party with the provider registered as `evil` (scope `openid email`), its warnings silenced. */
  oauth: OAuth
}

/** The evil provider and a relying party logging in at it; `secret` seals the relying party's cookies. */
export async function startEvilLogin(secret: string): Promise<EvilLogin> {
  const evil = await startEvilProvider()
  const oauth = createOAuth({ store: createMemoryClientStore(), secret, logger: { warn: () => undefined, info: () => undefined } })
  oauth.register({ name: 'evil', issuer: evil.url, allowInsecureLoopback: true, clientId: evil.clientId, clientSecret: evil.clientSecret, scope: 'openid email' })
  return { evil, oauth }
}

/**
 * Logs in through an app serving `/login-json` (a plain JSON answer holding the provider's URL), `/cb`
 * (the callback, a 303 by the framework's redirect helper) and `/me`: the transaction cookie comes once
 * though the route never wrote it, the session cookie once with the callback's 303, and `/me` knows the
 * user with the cookies and nobody without them.
 */
export async function expectLoginWritesCookies(origin: string): Promise<void> {
  const browser = new Browser()
  const answer = await browser.get(`${origin}/login-json`)
  expect(answer.status).toBe(200)
  const cookies = answer.headers.getSetCookie()
  expect(cookies).toHaveLength(1)
  expect(cookies[0]).toMatch(/^tessera-rp-tx=.+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600$/)
  const { location } = (await answer.json()) as { location: string }
  const callback = (await browser.get(location)).headers.get('location') ?? ''
  const done = await browser.get(callback)
  expect(done.status).toBe(303)
  expect(done.headers.get('referrer-policy')).toBe('no-referrer')
  expect(done.headers.getSetCookie().filter((cookie) => cookie.startsWith('tessera-rp-session='))).toHaveLength(1)
  expect(await (await browser.get(`${origin}/me`)).json()).toEqual({ user: 'evil-user-1' })
  expect(await (await new Browser().get(`${origin}/me`)).json()).toEqual({ user: null })
}
