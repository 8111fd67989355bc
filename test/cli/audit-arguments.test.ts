/** The argument parsing and table formatting of `tessera-oidc audit` (src/cli/audit.ts), without running the command. */
import { describe, expect, it } from 'vitest'
import { formatAuditTable, parseTime, parseTypes } from '../../src/cli/audit.js'
import type { AuditRecord } from '../../src/storage/types.js'

const NOW = 1_700_000_000

describe('tessera-oidc audit arguments', () => {
  it('reads --since as a duration ago or an ISO time', () => {
    expect(parseTime('90s', NOW)).toBe(NOW - 90)
    expect(parseTime('15m', NOW)).toBe(NOW - 900)
    expect(parseTime('1h', NOW)).toBe(NOW - 3600)
    expect(parseTime('7d', NOW)).toBe(NOW - 7 * 86_400)
    expect(parseTime('2w', NOW)).toBe(NOW - 14 * 86_400)
    expect(parseTime('2023-11-14T22:13:20Z', 0)).toBe(1_700_000_000)
    expect(parseTime('2023-11-14', 0)).toBe(1_699_920_000)
    for (const bad of ['yesterday', '1y', '-1h', '1700000000', '']) expect(() => parseTime(bad, NOW)).toThrow(/--since/)
  })

  it('reads --type as types or families, comma-separated or repeated', () => {
    expect(parseTypes(['login,keys.rotated'])).toEqual(['login.succeeded', 'login.failed', 'keys.rotated'])
    expect(() => parseTypes(['logins'])).toThrow(/unknown audit event type/)
  })

  it('shows control characters in attempted usernames escaped, not interpreted by the terminal', () => {
    const record: AuditRecord = { id: 'a', type: 'login.failed', time: NOW, subject: null, client_id: 'app', details: { username: 'x\u001b[2J\u202eevil', reason: 'unknown_user' }, expires_at: NOW + 1 }
    const table = formatAuditTable([record])
    expect([...table].some((char) => char === '\u001b' || char === '\u202e')).toBe(false)
    expect(table).toContain('username=x\\u001b[2J\\u202eevil')
  })
})
