// Reference for scenarios 4 and 5: jose `jwtVerify` of one ES256 access token per call, with the same
// options Tessera's introspection uses (src/jwt/verify.ts), on one core. Introspecting a JWT cannot be
// faster than verifying it.
// Usage: node bench/reference/jwt-verify.mjs <seconds>   → BENCH_RESULT {"rps":…}
import { performance } from 'node:perf_hooks'
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose'
import { signJwt } from '../../dist/jwt/sign.js'

const seconds = Number(process.argv[2] ?? 10)
const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] })
const now = Math.floor(Date.now() / 1000)
const claims = { iss: 'http://127.0.0.1', sub: 'bench-client', aud: 'https://api.bench.test', client_id: 'bench-client', scope: 'notes:read', jti: 'j', iat: now, exp: now + 3600 }
const token = await signJwt(claims, { kid: 'k1', alg: 'ES256', key: privateKey }, 'at+jwt')
const options = { algorithms: ['ES256'], issuer: claims.iss, typ: 'at+jwt', clockTolerance: 0, requiredClaims: ['sub', 'client_id', 'jti', 'exp', 'iat'] }
let count = 0
const start = performance.now()
while (performance.now() - start < seconds * 1000) {
  // Ten at a time, as concurrent requests would.
  await Promise.all(Array.from({ length: 10 }, () => jwtVerify(token, jwks, options)))
  count += 10
}
process.stdout.write(`BENCH_RESULT ${JSON.stringify({ rps: count / ((performance.now() - start) / 1000) })}\n`)
