// Reference for scenarios 1–3: Tessera's `signJwt` (src/jwt/sign.ts) of an access token per call, on one
// core, for ES256 and RS256. A token endpoint cannot issue more tokens than it can sign.
// Usage: node bench/reference/jwt-sign.mjs <seconds> <ES256|RS256>   → BENCH_RESULT {"rps":…}
import { performance } from 'node:perf_hooks'
import { generateKeyPair } from 'jose'
import { signJwt } from '../../dist/jwt/sign.js'

const seconds = Number(process.argv[2] ?? 10)
const alg = process.argv[3] ?? 'ES256'
// Extractable, as the server's own keys are: signJwt signs with node:crypto from the exported key.
const { privateKey } = await generateKeyPair(alg, { extractable: true })
const key = { kid: 'k1', alg, key: privateKey }
const now = Math.floor(Date.now() / 1000)
let count = 0
const start = performance.now()
while (performance.now() - start < seconds * 1000) {
  await Promise.all(Array.from({ length: 10 }, (_, i) => signJwt({ iss: 'http://127.0.0.1', sub: 'bench-client', aud: 'https://api.bench.test', client_id: 'bench-client', scope: 'notes:read', jti: `j${count + i}`, iat: now, exp: now + 3600 }, key, 'at+jwt')))
  count += 10
}
process.stdout.write(`BENCH_RESULT ${JSON.stringify({ rps: count / ((performance.now() - start) / 1000) })}\n`)
