/**
 * Fuzzing of bearer-token handling (issue 6; catalogue RS, RL-05): the RFC 6750 parser as a pure
 * function, then userinfo (authorization server) and the demo API (resource middleware) over real
 * loopback HTTP with malformed, duplicated, oversized and wrongly encoded tokens in the header, the form
 * body and the query.
 */
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { OAuthError } from '../../src/errors.js'
import { extractBearerToken, MAX_BEARER_TOKEN_LENGTH } from '../../src/protocol/rfc6750/bearer.js'
import { obtainTokens, startTestServer } from '../helpers/tessera.js'
import { authorizationHeaders, bearerAuthorization, contentTypeHeaders, FUZZ, mutatedPairs, textValue } from './arbitraries.js'
import { expectBearerAnswer } from './outcomes.js'
import { rawRequest } from './raw-http.js'

const server = await startTestServer({ store: 'memory' })
afterAll(() => server.close())

// A real token, so that mutations of it reach signature and claim checks.
const tokens = await obtainTokens(server, { client: server.clients.conf, scope: 'openid profile notes:read' })
const realToken = tokens.access_token
const [header = '', payload = '', signature = ''] = realToken.split('.')

const authorizationValue: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: bearerAuthorization },
  { weight: 1, arbitrary: fc.constant(Buffer.from(`Bearer ${realToken}`)) },
  {
    weight: 2,
    // The real token with one part swapped, truncated or re-encoded.
    arbitrary: fc.tuple(fc.constantFrom(header, 'eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0', 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9', 'e30', ''), fc.constantFrom(payload, 'e30', 'bnVsbA', 'W10', 'eyJleHAiOiJ4In0', ''), fc.constantFrom(signature, '', 'AAAA', signature.slice(1)))
      .map(([h, p, s]) => Buffer.from(`Bearer ${h}.${p}.${s}`)),
  },
)

const request = fc.record({
  method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'HEAD'),
  authorization: authorizationHeaders(authorizationValue),
  contentType: contentTypeHeaders,
  body: fc.option(mutatedPairs([[['access_token', realToken]], [['access_token', 'abc'], ['access_token', 'def']], []]), { nil: undefined }),
  query: fc.constantFrom('', '?access_token=abc', '?access_token=%zz', '?a=%ff%fe', `?access_token=${realToken}`),
})

describe('fuzz: bearer tokens', () => {
  it('the RFC 6750 parser returns a b64token or throws an OAuthError, for any input', () => {
    fc.assert(
      fc.property(fc.option(textValue, { nil: null }), fc.option(textValue, { nil: undefined }), fc.boolean(), (authorization, formToken, queryToken) => {
        try {
          const token = extractBearerToken({ authorization, formToken, queryToken })
          if (token !== undefined) {
            expect(token.length).toBeLessThanOrEqual(MAX_BEARER_TOKEN_LENGTH)
            expect(token).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/)
          }
        } catch (error) {
          expect(error).toBeInstanceOf(OAuthError)
          expect(['invalid_request', 'invalid_token']).toContain((error as OAuthError).error)
        }
      }),
      { ...FUZZ, numRuns: FUZZ.numRuns * 10 },
    )
  })

  for (const path of ['/userinfo', '/api/me', '/api/notes']) {
    it(`${path} answers every malformed token with an RFC 6750 error`, async () => {
      await fc.assert(
        fc.asyncProperty(request, async (input) => {
          const response = await rawRequest(server.url, {
            method: input.method,
            target: `${path}${input.query}`,
            headers: [...(input.body ? input.contentType : []), ...input.authorization],
            ...(input.body !== undefined && input.method !== 'GET' && input.method !== 'HEAD' ? { body: input.body } : {}),
          })
          expectBearerAnswer(response, input.method)
        }),
        FUZZ,
      )
    })
  }
})
