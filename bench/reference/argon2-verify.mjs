// Reference for scenario 6: Argon2id verifications per second on one core, one at a time, with the
// production parameters (src/crypto/passwords.ts). No login can be faster than its password check.
// Usage: node bench/reference/argon2-verify.mjs <seconds>   → BENCH_RESULT {"rps":…}
import { performance } from 'node:perf_hooks'
import argon2 from 'argon2'
import { ARGON2_PARAMETERS } from '../../dist/crypto/passwords.js'

const seconds = Number(process.argv[2] ?? 10)
const hash = await argon2.hash('reference-password', ARGON2_PARAMETERS)
await argon2.verify(hash, 'reference-password')
let count = 0
const start = performance.now()
while (performance.now() - start < seconds * 1000) {
  if (!(await argon2.verify(hash, 'reference-password'))) throw new Error('verification failed')
  count++
}
process.stdout.write(`BENCH_RESULT ${JSON.stringify({ rps: count / ((performance.now() - start) / 1000) })}\n`)
