import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { checkLogs, findSecrets, fixtureSecrets } from '../../scripts/check-logs.mjs'
import { randomToken } from '../../src/crypto/random.js'
import { LOG_OPTIONS } from '../../src/server/audit/redaction.js'

const JWT = 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ'
const line = (fields: Record<string, unknown>) => JSON.stringify({ level: 30, time: 1, msg: 'x', ...fields })
const rules = (text: string, known: string[] = []) => findSecrets(text, known).map((finding) => finding.rule)

describe('scripts/check-logs.mjs (catalogue ST-04)', () => {
  it('finds a planted secret of every kind', () => {
    expect(rules(line({ detail: `token ${JWT}` }))).toContain('JWT')
    expect(rules(line({ refresh: randomToken(32) }))).toContain('opaque token (43 base64url characters)')
    expect(rules(line({ body: 'grant_type=password&password=hunter22' }))).toContain('form credential')
    expect(rules(line({ body: 'client_id=a&client_secret=s3cr3t' }))).toContain('form credential')
    expect(rules('Authorization: Basic YWxpY2U6c2VjcmV0LXNlY3JldA==')).toContain('Authorization value')
    expect(rules(line({ req: { headers: { authorization: 'Bearer abc' } } }))).toContain('authorization header')
    expect(rules(line({ headers: { cookie: 'tessera-session=abc123def456' } }))).toEqual(expect.arrayContaining(['cookie', 'cookie header']))
    expect(rules(line({ msg: 'user typed alice-password' }), ['alice-password'])).toContain('fixture secret')
  })

  it('shortens what it reports, so the report does not leak the secret again', () => {
    const secret = randomToken(32)
    const [finding] = findSecrets(line({ value: secret }))
    expect(finding?.excerpt).toBe(`${secret.slice(0, 6)}…(43 chars)`)
  })

  it('passes audit lines, key ids and redacted values', () => {
    const kid = randomToken(32)
    expect(findSecrets(line({ audit: true, event: 'keys.rotated', kids: [kid, randomToken(32)], kid }))).toEqual([])
    expect(findSecrets(line({ event: 'token.issued', jti: `${randomToken(16)}.${randomToken(16)}`, refresh_token_issued: true }))).toEqual([])
    expect(findSecrets(line({ req: { headers: { authorization: '[redacted]', cookie: '[redacted]' } } }))).toEqual([])
    expect(findSecrets(line({ msg: 'WWW-Authenticate: Bearer realm="api"' }))).toEqual([])
  })

  it('catches what the production redaction would let through, and nothing it removes', () => {
    const lines: string[] = []
    const logger = pino({ ...LOG_OPTIONS }, { write: (text: string) => void lines.push(text.trim()) })
    logger.info({ req: { headers: { authorization: 'Bearer secret-token-value', cookie: 'tessera-session=abcdefgh' } }, password: 'hunter2hunter2' }, 'redacted')
    logger.info({ form: 'refresh_token=abcdefgh' }, 'not redacted: a whole body')
    expect(findSecrets(lines[0] ?? '', ['hunter2hunter2'])).toEqual([])
    expect(rules(lines[1] ?? '')).toContain('form credential')
  })

  it('reads the fixture passwords and server secret from test/helpers/tessera.ts', () => {
    expect(fixtureSecrets()).toEqual(expect.arrayContaining(['alice-password', 'bob-password']))
    expect(fixtureSecrets("export const SECRET = 'abcdefghijklmnopqrstuvwxyz'\nconst u = { password: 'pw-123456' }")).toEqual(['pw-123456', 'abcdefghijklmnopqrstuvwxyz'])
  })

  it('scans every log file of a folder and reports file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-logs-'))
    try {
      writeFileSync(join(dir, 'a.log'), `${line({ event: 'login.failed' })}\n${line({ leaked: JWT })}\n`)
      writeFileSync(join(dir, 'b.log'), `${line({ event: 'login.succeeded' })}\n`)
      writeFileSync(join(dir, 'ignored.txt'), JWT)
      const result = checkLogs({ dir, knownSecrets: [] })
      expect(result).toMatchObject({ files: 2, lines: 3, findings: [{ file: join(dir, 'a.log'), line: 2, rule: 'JWT' }] })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
