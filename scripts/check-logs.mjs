#!/usr/bin/env node
// Catalogue ST-04: secrets, tokens and passwords never appear in a log line. The test servers log at debug
// level to `.tmp/logs/` for the whole run (test/helpers/log-file.ts); after the run, scripts/test.mjs calls
// this to grep every line for what must never be there:
//   - JWTs (access tokens, ID tokens, anything `eyJ….eyJ….…`),
//   - Tessera's opaque secrets: refresh tokens, authorization codes, client secrets and session cookies are
//     all 256 random bits as 43 base64url characters (src/crypto/random.ts); key ids (RFC 7638 thumbprints)
//     have the same shape and are allowed under `kid`/`kids` only,
//   - the fixtures' passwords and server secret (read from test/helpers/tessera.ts),
//   - `client_secret=`, `password=`, `code_verifier=`, `refresh_token=`, `access_token=` form values,
//   - `Authorization: Bearer|Basic …` values and cookies (header values or Tessera's cookie names).
// Redacted values (`[redacted]`, see src/server/audit/redaction.ts) are fine. Findings are printed with the
// secret shortened, and fail the run.
//
//   node scripts/check-logs.mjs [--dir .tmp/logs] [--require-logs]
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export const LOG_DIR = join('.tmp', 'logs')
const HELPERS = join('test', 'helpers', 'tessera.ts')
const REDACTED = '[redacted]'
/** Fields whose 43-character values are key ids (JWK thumbprints), not secrets. */
const KEY_ID_FIELDS = new Set(['kid', 'kids'])

const JWT = /eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/
const OPAQUE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/
const FORM_VALUE = /\b(client_secret|password|code_verifier|refresh_token|access_token)=(?!\[redacted\])[^&\s"',]+/
const AUTHORIZATION = /\b(?:Bearer|Basic)\s+(?!\[redacted\])[A-Za-z0-9._~+/-]{8,}=*/
const COOKIE = /(?:__Host-)?tessera-(?:session|browser)=[^;\s"',]+|\b(?:set-)?cookie["']?\s*[:=]\s*["']?(?!\[redacted\])[^\s"';=]+=[^\s"';]+/i
const HEADER_FIELDS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie'])

/** Passwords and secrets of the shared fixtures, read from their source so the list follows them. */
export function fixtureSecrets(source = existsSync(HELPERS) ? readFileSync(HELPERS, 'utf8') : '') {
  const found = new Set()
  for (const match of source.matchAll(/\bpassword:\s*'([^']{6,})'/g)) found.add(match[1])
  for (const match of source.matchAll(/\bSECRET\s*=\s*'([^']{16,})'/g)) found.add(match[1])
  return [...found]
}

function shorten(secret) {
  return secret.length <= 8 ? '…' : `${secret.slice(0, 6)}…(${secret.length} chars)`
}

/** Every string in a parsed log line, with the name of the field that holds it. */
function* strings(value, key = '') {
  if (typeof value === 'string') yield [key, value]
  else if (Array.isArray(value)) for (const item of value) yield* strings(item, key)
  else if (value !== null && typeof value === 'object') for (const [name, item] of Object.entries(value)) yield* strings(item, name.toLowerCase())
}

/**
 * The secrets in one log line: `[{ rule, excerpt }]`, the excerpt shortened. JSON lines (pino) are read
 * field by field, so key ids are told apart from opaque tokens; other lines are scanned as text.
 */
export function findSecrets(line, knownSecrets = []) {
  const findings = []
  const report = (rule, secret) => findings.push({ rule, excerpt: shorten(secret) })
  for (const secret of knownSecrets) if (secret && line.includes(secret)) report('fixture secret', secret)
  const text = [
    [JWT, 'JWT'], [FORM_VALUE, 'form credential'], [AUTHORIZATION, 'Authorization value'], [COOKIE, 'cookie'],
  ]
  for (const [pattern, rule] of text) {
    const match = pattern.exec(line)
    if (match) report(rule, match[0])
  }
  let parsed
  try {
    parsed = JSON.parse(line)
  } catch {
    parsed = undefined
  }
  const fields = parsed !== null && typeof parsed === 'object' ? [...strings(parsed)] : [['', line]]
  for (const [key, value] of fields) {
    if (HEADER_FIELDS.has(key) && value !== REDACTED && value !== '') report(`${key} header`, value)
    if (KEY_ID_FIELDS.has(key)) continue
    const opaque = OPAQUE.exec(value)
    if (opaque) report('opaque token (43 base64url characters)', opaque[0])
  }
  return findings
}

/** Scans every `*.log` file of `dir`. */
export function checkLogs({ dir = LOG_DIR, knownSecrets = fixtureSecrets() } = {}) {
  const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.log')).sort() : []
  let lines = 0
  const findings = []
  for (const file of files) {
    const content = readFileSync(join(dir, file), 'utf8').split('\n')
    for (const [index, line] of content.entries()) {
      if (line.trim() === '') continue
      lines++
      for (const finding of findSecrets(line, knownSecrets)) findings.push({ file: join(dir, file), line: index + 1, ...finding })
    }
  }
  return { files: files.length, lines, findings }
}

/** Empties the log folder before a run, so that only this run's lines are checked. */
export function resetLogs(dir = LOG_DIR) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2)
  const dirFlag = args.indexOf('--dir')
  const dir = dirFlag === -1 ? LOG_DIR : args[dirFlag + 1]
  const { files, lines, findings } = checkLogs({ dir })
  for (const finding of findings.slice(0, 50)) process.stdout.write(`${finding.file}:${finding.line}: ${finding.rule}: ${finding.excerpt}\n`)
  process.stdout.write(`log check: ${lines} lines in ${files} files under ${dir}, ${findings.length} findings\n`)
  if (findings.length > 0) process.exit(1)
  // The full run starts test servers that log; no lines at all means the logging broke, not that it is clean.
  if (args.includes('--require-logs') && lines === 0) {
    process.stdout.write('log check: no log lines were written; is test/helpers/log-file.ts wired into the test servers?\n')
    process.exit(1)
  }
}
