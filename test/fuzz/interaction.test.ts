/**
 * Fuzzing of the login and consent forms (issue 6; catalogue SC, RL-01, RL-05) over real loopback HTTP:
 * the real form with its CSRF token and cookies, then mutated fields (huge, unicode, NUL, bad encoding,
 * repeated). Each login attempt costs an Argon2 verification, so the budget is a fraction of the others.
 */
import fc from 'fast-check'
import { afterAll, describe, it } from 'vitest'
import { newPkce } from '../helpers/pkce.js'
import { Browser, parseForm } from '../helpers/http-client.js'
import { authorizeUrl, startTestServer } from '../helpers/tessera.js'
import { contentTypeHeaders, FUZZ, mutatedPairs } from './arbitraries.js'
import { expectAuthorizeAnswer } from './outcomes.js'
import { rawRequest } from './raw-http.js'

// A generous per-address login limit, so that the run exercises the form rather than the lock page.
const server = await startTestServer({ store: 'memory', loginThrottle: { perAddress: 1_000_000, lockAfter: 1_000_000, delayAfter: 1_000_000 } })
afterAll(() => server.close())

const browser = new Browser()
const { challenge } = newPkce()
const start = await browser.get(authorizeUrl(server.url, {
  response_type: 'code', client_id: 'conf', redirect_uri: server.clients.conf.redirectUri, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
}))
const page = parseForm(await (await browser.get(start.headers.get('location') ?? '')).text())
const cookies: [string, string][] = [['Cookie', browser.jar.header()], ['Origin', new URL(server.url).origin]]
const base: [string, string][] = [...Object.entries(page.fields), ['username', 'alice'], ['password', 'not-her-password']]

describe('fuzz: login form', () => {
  it('POST /interaction/{id}/login answers every malformed form with a page or a redirect', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedPairs([base]), contentTypeHeaders, fc.boolean(), async (body, contentType, withCookies) => {
        const response = await rawRequest(server.url, { method: 'POST', target: new URL(page.action).pathname, headers: [...contentType, ...(withCookies ? cookies : [])], body })
        expectAuthorizeAnswer(response, 'POST')
      }),
      { ...FUZZ, numRuns: Math.ceil(FUZZ.numRuns / 5) },
    )
  })
})
