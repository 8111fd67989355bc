/**
 * Fuzzing of the authorization and logout endpoints (issue 6; catalogue AZ, RL-05) over real loopback HTTP: query
 * strings and form posts that are malformed, duplicated, oversized or wrongly encoded, for valid and
 * invalid clients, with and without a login session. The only acceptable answers are a redirect, an
 * HTML error page, or (for limits met before routing) a JSON error.
 */
import fc from 'fast-check'
import { afterAll, describe, it } from 'vitest'
import { Browser } from '../helpers/http-client.js'
import { authorize, startTestServer } from '../helpers/tessera.js'
import { contentTypeHeaders, formBody, FUZZ, mutatedPairs } from './arbitraries.js'
import { expectAuthorizeAnswer } from './outcomes.js'
import { rawRequest } from './raw-http.js'

const server = await startTestServer({ store: 'memory' })
afterAll(() => server.close())

const { conf, pub, qry } = server.clients
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
const BASES: [string, string][][] = [conf, pub, qry].map((client) => [
  ['response_type', 'code'], ['client_id', client.id], ['redirect_uri', client.redirectUri], ['scope', 'openid profile'],
  ['state', 'st'], ['nonce', 'n'], ['code_challenge', CHALLENGE], ['code_challenge_method', 'S256'],
])
BASES.push([...(BASES[0] ?? []), ['prompt', 'none'], ['max_age', '0'], ['id_token_hint', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'], ['login_hint', 'alice'], ['resource', `${server.url}/api`]])

// A browser session, so that requests reach the consent and code-issuing paths too.
const browser = new Browser()
await authorize(server, browser, { client: conf })
const sessionCookie = Buffer.from(browser.jar.header())

const session = fc.constantFrom<[string, Buffer][]>([], [['Cookie', sessionCookie]], [['Cookie', Buffer.from('__Host-tessera_session=%zz; a=\u00ff')]])

const LOGOUT_BASES: [string, string][][] = [
  [['id_token_hint', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4IiwiYXVkIjoiY29uZiJ9.c2ln'], ['post_logout_redirect_uri', `${conf.redirectUri}/logged-out`], ['state', 's'], ['client_id', conf.id]],
  [['client_id', conf.id], ['post_logout_redirect_uri', `${conf.redirectUri}/logged-out`], ['ui_locales', 'en']],
]

describe('fuzz: authorization endpoint', () => {
  it('GET /authorize answers every malformed query with a redirect or an error page', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedPairs(BASES), session, async (query, cookies) => {
        const method = 'GET'
        const response = await rawRequest(server.url, { method, target: `/authorize?${query.toString('latin1')}`, headers: cookies })
        expectAuthorizeAnswer(response, method)
      }),
      FUZZ,
    )
  })

  it('POST /authorize answers every malformed form with a redirect or an error page', async () => {
    await fc.assert(
      fc.asyncProperty(formBody(BASES), contentTypeHeaders, session, async (body, contentType, cookies) => {
        const method = 'POST'
        const response = await rawRequest(server.url, { method, target: '/authorize', headers: [...contentType, ...cookies], body })
        expectAuthorizeAnswer(response, method)
      }),
      FUZZ,
    )
  })

  it('GET and POST /logout answer every malformed request with a redirect or a page', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST'), mutatedPairs(LOGOUT_BASES), contentTypeHeaders, session, async (method, params, contentType, cookies) => {
        const response = method === 'GET'
          ? await rawRequest(server.url, { method, target: `/logout?${params.toString('latin1')}`, headers: cookies })
          : await rawRequest(server.url, { method, target: '/logout', headers: [...contentType, ...cookies], body: params })
        expectAuthorizeAnswer(response, method)
      }),
      FUZZ,
    )
  })
})
