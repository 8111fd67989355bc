import { describe, expect, it } from 'vitest'
import { auditColumns, expandAuditType } from '../../../src/server/audit/events.js'

describe('audit events', () => {
  it('keeps user and client in columns and everything else in details', () => {
    expect(auditColumns({ type: 'token.issued', grant_type: 'client_credentials', client_id: 'm2m', subject: 'm2m', scopes: [], grant_id: null, jti: 'j', refresh_token_issued: false, id_token_issued: false }))
      .toEqual({ subject: 'm2m', client_id: 'm2m', details: { grant_type: 'client_credentials', scopes: [], grant_id: null, jti: 'j', refresh_token_issued: false, id_token_issued: false } })
    expect(auditColumns({ type: 'keys.rotated', kids: ['k'], algorithms: ['ES256'], actor: 'cli' })).toEqual({ subject: null, client_id: null, details: { kids: ['k'], algorithms: ['ES256'], actor: 'cli' } })
  })

  it('expands a family to its types', () => {
    expect(expandAuditType('login')).toEqual(['login.succeeded', 'login.failed'])
    expect(expandAuditType('token.issued')).toEqual(['token.issued'])
    expect(expandAuditType('log')).toEqual([])
  })
})
