/**
 * Input generators of the fuzz suite: parameters, bodies, query strings and headers that are malformed,
 * duplicated, oversized or wrongly encoded — as raw bytes, so that nothing is "fixed" by an encoder on
 * the way (see raw-http.ts).
 */
import fc from 'fast-check'
import { RP1 } from '../helpers/tessera.js'

/**
 * Fixed seed and budgets: the suite is reproducible and stays well under a minute on two cores. A longer
 * hunt: `TESSERA_FUZZ_SEED=7 TESSERA_FUZZ_RUNS=5000 npx vitest run test/fuzz` (the time budget grows with it).
 */
const runs = Number(process.env.TESSERA_FUZZ_RUNS ?? 200)
export const FUZZ = {
  seed: Number(process.env.TESSERA_FUZZ_SEED ?? 20_261_128),
  numRuns: runs,
  interruptAfterTimeLimit: Math.max(15_000, runs * 100),
  // A property interrupted by the time budget has still passed every run it made.
  markInterruptAsFailure: false,
} as const

export const PARAMETER_NAMES = [
  'grant_type', 'code', 'redirect_uri', 'code_verifier', 'client_id', 'client_secret', 'refresh_token', 'scope', 'token',
  'token_type_hint', 'resource', 'state', 'nonce', 'response_type', 'code_challenge', 'code_challenge_method', 'prompt',
  'max_age', 'id_token_hint', 'login_hint', 'access_token', 'request', 'request_uri', 'response_mode', 'claims',
] as const

const PLAUSIBLE_VALUES = [
  'authorization_code', 'client_credentials', 'refresh_token', 'password', 'conf', 'pub', 'm2m', 'openid', 'openid profile email',
  'notes:read', 'S256', 'plain', 'code', 'none', 'login consent', 'token id_token', RP1, `${RP1}?x=1`, 'http://evil.example/cb',
  '-1', '0', '1e309', '99999999999999999999', 'access_token', 'eyJhbGciOiJub25lIn0.e30.', 'eyJhbGciOiJub25lIn0.eyJzdWIiOjF9.x',
  'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
]

/** A value as text: plausible, unicode (astral, combining, RTL), control characters, lone surrogates, huge. */
export const textValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PLAUSIBLE_VALUES) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('\u0000', '\r', '\n', '\t', ' ', '"', '<', '%', '&', '=', '+', '\u202e', '\ufeff', '\ud800'), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 70_000 }).map((length) => 'x'.repeat(length)) },
)

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8')
}

/** One value as it goes on the wire: well encoded, raw, with broken percent-escapes or invalid UTF-8. */
export const wireValue: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: textValue.map((text) => utf8(new URLSearchParams({ v: text }).toString().slice(2))) },
  { weight: 1, arbitrary: textValue.map((text) => utf8(text)) },
  { weight: 1, arbitrary: textValue.map((text) => Buffer.from(text, 'latin1')) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%z', '%zz', '%%', '%ff', '%c3%28', '%ed%a0%80', '%f4%90%80%80', '%00', '%0d%0a', '%e2%82', '%25zz').map((raw) => utf8(`a${raw}b`)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes)) },
)

export const parameterName: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PARAMETER_NAMES).map(utf8) },
  { weight: 1, arbitrary: wireValue },
  { weight: 1, arbitrary: fc.constantFrom('', 'GRANT_TYPE', 'client_id[]', 'scope ', '\u0000').map(utf8) },
)

/** A form or query: pairs (repeats likely), joined with `&` (sometimes with stray separators). */
export function pairsOf(names: fc.Arbitrary<Buffer> = parameterName, maxLength = 12): fc.Arbitrary<Buffer> {
  const pair = fc.tuple(names, fc.constantFrom('=', '=', '=', '', '=='), wireValue).map(([name, equals, value]) => Buffer.concat([name, utf8(equals), value]))
  return fc.tuple(fc.array(pair, { maxLength }), fc.constantFrom('&', '&', '&', '&&', ';')).map(([pairs, separator]) => {
    const parts: Buffer[] = []
    pairs.forEach((part, index) => parts.push(...(index > 0 ? [utf8(separator)] : []), part))
    return Buffer.concat(parts)
  })
}

/** Many copies of one parameter, or very many distinct ones. */
export const floodOfParameters: fc.Arbitrary<Buffer> = fc.tuple(fc.constantFrom(...PARAMETER_NAMES), fc.integer({ min: 2, max: 3000 }), fc.boolean()).map(([name, count, distinct]) =>
  utf8(Array.from({ length: count }, (_, index) => `${distinct ? `${name}${index}` : name}=${index}`).join('&')),
)

/**
 * A well-formed request (`base`) with a few mutations: a value replaced by a fuzzed one, a parameter
 * repeated, dropped or added. Most inputs thus get past the first checks and reach the grant logic.
 */
export function mutatedPairs(bases: [string, string][][]): fc.Arbitrary<Buffer> {
  const mutation = fc.record({
    kind: fc.constantFrom('replace', 'replace', 'repeat', 'drop', 'add'),
    index: fc.nat(20),
    name: parameterName,
    value: wireValue,
  })
  return fc.tuple(fc.constantFrom(...bases), fc.array(mutation, { maxLength: 3 })).map(([base, mutations]) => {
    const pairs: [Buffer, Buffer][] = base.map(([name, value]) => [utf8(encodeURIComponent(name)), utf8(encodeURIComponent(value))])
    for (const { kind, index, name, value } of mutations) {
      const at = pairs.length === 0 ? 0 : index % pairs.length
      const target = pairs[at]
      if (kind === 'replace' && target) pairs[at] = [target[0], value]
      else if (kind === 'repeat' && target) pairs.push([target[0], value])
      else if (kind === 'drop') pairs.splice(at, 1)
      else pairs.push([name, value])
    }
    return Buffer.concat(pairs.flatMap(([name, value], position) => [...(position > 0 ? [utf8('&')] : []), name, utf8('='), value]))
  })
}

export function formBody(bases: [string, string][][] = [[]]): fc.Arbitrary<Buffer> {
  return fc.oneof({ weight: 6, arbitrary: mutatedPairs(bases) }, { weight: 2, arbitrary: pairsOf() }, { weight: 1, arbitrary: floodOfParameters })
}

export const CONTENT_TYPES = [
  'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/x-www-form-urlencoded; charset=latin1', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', '',
  'application/x-www-form-urlencoded;;;', 'application/x-www-form-urlencodedx',
]

/** Header lines for the Content-Type: usually one form type, sometimes none, another type, or two. */
export const contentTypeHeaders: fc.Arbitrary<[string, string][]> = fc.oneof(
  { weight: 12, arbitrary: fc.constant([['Content-Type', CONTENT_TYPES[0] ?? '']] as [string, string][]) },
  { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES).map((value) => [['Content-Type', value]] as [string, string][]) },
  { weight: 1, arbitrary: fc.constant([] as [string, string][]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...CONTENT_TYPES), fc.constantFrom(...CONTENT_TYPES)).map(([a, b]) => [['Content-Type', a], ['Content-Type', b]] as [string, string][]) },
)

const b64 = (text: Buffer | string): string => Buffer.from(text).toString('base64')

/** Authorization header values for client authentication: valid, wrong, malformed, wrongly encoded. */
export function clientAuthorization(clients: { id: string; secret: string }[]): fc.Arbitrary<Buffer> {
  const valid = fc.constantFrom(...clients).map(({ id, secret }) => `Basic ${b64(`${id}:${secret}`)}`)
  return fc.oneof(
    { weight: 10, arbitrary: valid.map(utf8) },
    { weight: 1, arbitrary: fc.constantFrom('Basic', 'Basic ', 'Basic ====', 'Basic !!!!', 'basic  Y29uZjo=', 'Bearer abc', 'Digest x', 'Basic Y29uZg==', `Basic ${b64('%zz:%zz')}`, `Basic ${b64(':')}`, `Basic ${b64('conf:')}`, `Basic ${b64(Buffer.from([0xff, 0xfe, 0x3a, 0xc3]))}`, `Basic ${b64('conf\u0000:x')}`).map(utf8) },
    { weight: 1, arbitrary: fc.tuple(textValue, textValue).map(([id, secret]) => utf8(`Basic ${b64(`${id}:${secret}`)}`)) },
    { weight: 1, arbitrary: fc.base64String({ maxLength: 64 }).map((value) => utf8(`Basic ${value}`)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => Buffer.concat([utf8('Basic '), Buffer.from(bytes)])) },
  )
}

/** Header lines for Authorization: none, one, or two (refused by RFC 6750 §2 / RFC 6749 §2.3). */
export function authorizationHeaders(values: fc.Arbitrary<Buffer>): fc.Arbitrary<[string, Buffer][]> {
  return fc.oneof(
    { weight: 8, arbitrary: values.map((value) => [['Authorization', value]] as [string, Buffer][]) },
    { weight: 1, arbitrary: fc.constant([] as [string, Buffer][]) },
    { weight: 1, arbitrary: fc.tuple(values, values).map(([a, b]) => [['Authorization', a], ['authorization', b]] as [string, Buffer][]) },
  )
}

/** Bearer header values: well formed, wrong scheme, bad characters, empty, oversized within Node's header budget. */
export const bearerAuthorization: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,60}=*$/).map((token) => utf8(`Bearer ${token}`)) },
  { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'bearer  x', 'BEARER x', 'Bearer a b', 'Bearer ===', 'Basic Y29uZjp4', 'Bearer eyJhbGciOiJub25lIn0.e30.', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x', 'Bearer \u00ff\u00fe').map((value) => Buffer.from(value, 'latin1')) },
  { weight: 1, arbitrary: textValue.map((text) => utf8(`Bearer ${text.slice(0, 12_000)}`)) },
  { weight: 1, arbitrary: fc.integer({ min: 8_000, max: 15_000 }).map((length) => utf8(`Bearer ${'a'.repeat(length)}`)) },
)

export const METHODS = fc.oneof({ weight: 12, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'post', 'TRACE') })
