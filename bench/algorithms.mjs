#!/usr/bin/env node
// Sign and verify rates per JWS algorithm, on one core, through Tessera's own JWT module (dist/jwt):
// signing as the server signs (node:crypto), verification as the resource server verifies (jose). The
// figures behind the choice of the access-token algorithm (issue 4): run `npm run build` first, then
//   taskset -c 0 node bench/algorithms.mjs [--seconds 2]
// Prints a Markdown table; writes bench/results/algorithms.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { generateSigningKey, importPrivateKey } from '../dist/jwt/keys.js'
import { signJwt } from '../dist/jwt/sign.js'
import { localKeyResolver, verifyJwt } from '../dist/jwt/verify.js'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' } } })
const seconds = Number(values.seconds)
const ISSUER = 'https://issuer.example'

/** Operations per second of `operation`, run back to back (one at a time) for `seconds`. */
async function rate(operation) {
  for (let i = 0; i < 200; i++) await operation() // warm-up: JIT and key caches
  let count = 0
  const started = process.hrtime.bigint()
  const deadline = started + BigInt(Math.round(seconds * 1e9))
  let now = started
  while (now < deadline) {
    for (let i = 0; i < 20; i++) await operation()
    count += 20
    now = process.hrtime.bigint()
  }
  return Math.round(count / (Number(now - started) / 1e9))
}

const rows = []
for (const alg of ['ES256', 'RS256', 'PS256', 'EdDSA']) {
  const generated = await generateSigningKey(alg)
  const key = { kid: generated.kid, alg, key: await importPrivateKey(generated.privateJwk, alg) }
  const keys = localKeyResolver({ keys: [generated.publicJwk] })
  const now = Math.floor(Date.now() / 1000)
  const payload = { iss: ISSUER, sub: 'user', aud: 'https://api.example', client_id: 'app', scope: 'notes:read', iat: now, exp: now + 3600, jti: 'x' }
  const token = await signJwt(payload, key, 'at+jwt')
  const options = { algorithms: [alg], issuer: ISSUER, audience: 'https://api.example', typ: 'at+jwt' }
  const sign = await rate(() => signJwt(payload, key, 'at+jwt'))
  const verify = await rate(() => verifyJwt(token, keys, options))
  rows.push({ alg, sign, verify })
}

const lines = [
  `| algorithm | sign/s (node:crypto) | verify/s (jose) |`,
  `| --- | ---: | ---: |`,
  ...rows.map((row) => `| ${row.alg} | ${row.sign.toLocaleString('en-US')} | ${row.verify.toLocaleString('en-US')} |`),
]
process.stdout.write(`${lines.join('\n')}\n\n(Node ${process.version}, one operation at a time, ${seconds} s each)\n`)
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/algorithms.json', import.meta.url), `${JSON.stringify({ node: process.version, seconds, rows }, null, 2)}\n`)
