#!/usr/bin/env node
// Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. written by `npm run bench -- --profile`).
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { formatSummary, summarizeProfile } from './lib/profile.mjs'

const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } })
if (!positionals[0]) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [--top N]\n')
  process.exit(2)
}
process.stdout.write(formatSummary(summarizeProfile(JSON.parse(readFileSync(positionals[0], 'utf8')), Number(values.top))))
