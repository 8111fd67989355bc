/**
 * Fuzzing of the token, revocation and introspection endpoints (issue 6; catalogue TK-09, RL-05) over
 * real loopback HTTP: malformed, duplicated, oversized and wrongly encoded forms, content types and client
 * credentials. Fixed seed and budget (FUZZ). The only acceptable answers are the RFC's errors.
 */
import fc from 'fast-check'
import { afterAll, describe, it } from 'vitest'
import { startTestServer } from '../helpers/tessera.js'
import { authorizationHeaders, clientAuthorization, contentTypeHeaders, formBody, FUZZ, METHODS } from './arbitraries.js'
import { expectTokenEndpointAnswer } from './outcomes.js'
import { rawRequest } from './raw-http.js'

// Limits high enough that the fuzzer's failures never turn every later answer into a 429.
const server = await startTestServer({ store: 'memory', clientLimits: { authFailuresPerAddress: 1e6, authFailuresPerClientAddress: 1e6, grantFailuresPerClient: 1e6, inactiveIntrospectionsPerClient: 1e6 } })
afterAll(() => server.close())

const { conf, post, m2m } = server.clients
const credentials = [conf, post, m2m].map((client) => ({ id: client.id, secret: client.secret ?? '' }))

const BASES: Record<string, [string, string][][]> = {
  '/token': [
    [['grant_type', 'client_credentials'], ['scope', 'notes:read']],
    [['grant_type', 'authorization_code'], ['code', 'c0de'], ['redirect_uri', conf.redirectUri], ['code_verifier', 'v'.repeat(43)]],
    [['grant_type', 'refresh_token'], ['refresh_token', 'r3fresh'], ['scope', 'openid']],
    [['grant_type', 'client_credentials'], ['client_id', post.id], ['client_secret', post.secret ?? '']],
  ],
  '/revoke': [[['token', 'abc'], ['token_type_hint', 'refresh_token']], [['token', 'abc'], ['client_id', post.id], ['client_secret', post.secret ?? '']]],
  '/introspect': [[['token', 'abc'], ['token_type_hint', 'access_token']], [['token', 'abc'], ['client_id', post.id], ['client_secret', post.secret ?? '']]],
}

const request = (path: string) => fc.record({
  method: METHODS,
  contentType: contentTypeHeaders,
  authorization: authorizationHeaders(clientAuthorization(credentials)),
  body: formBody(BASES[path]),
  chunked: fc.boolean(),
  query: fc.constantFrom('', '?grant_type=client_credentials', '?code=x&code=y', '?%zz', '?a=%ff'),
})

describe('fuzz: token, revocation and introspection endpoints', () => {
  for (const path of ['/token', '/revoke', '/introspect']) {
    it(`${path} answers every malformed request with an RFC 6749 §5.2 error`, async () => {
      await fc.assert(
        fc.asyncProperty(request(path), async (input) => {
          const response = await rawRequest(server.url, {
            method: input.method,
            target: `${path}${input.query}`,
            headers: [...input.contentType, ...input.authorization],
            body: input.body,
            chunked: input.chunked,
          })
          expectTokenEndpointAnswer(response, input.method)
        }),
        FUZZ,
      )
    })
  }
})
