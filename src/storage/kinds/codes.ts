import type { AuthorizationCodeRecord, AuthorizationCodeStore, RecordKind, RecordStore } from '../types.js'

/** Authorization codes, keyed by `code_hash`, deleted with their user and client. */
export const AUTHORIZATION_CODE: RecordKind<AuthorizationCodeRecord> = { name: 'code' }

/**
 * `store.codes` over the record facility, the same for every backend.
 *
 * @example const codes = authorizationCodeStore(records)
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export function authorizationCodeStore(records: RecordStore): AuthorizationCodeStore {
  return {
    save: (code) => records.put(AUTHORIZATION_CODE, { key: code.code_hash, value: code, expiresAt: code.expires_at, subject: code.user_id, clientId: code.client_id }),

    // RFC 6749 §4.1.2 / §10.5: a code is used once, and a second use is reported as a replay (with the
    // winner's time) so the caller can revoke what the code issued.
    async consume(codeHash, now) {
      const result = await records.consume(AUTHORIZATION_CODE, codeHash, now)
      if (result.status === 'unknown') return result
      // The value is the caller's own copy: setting the field costs no second copy on the hot path.
      const code = result.record.value
      // A code stored by a version that kept a single `resource` (at most 10 minutes old at an upgrade).
      const legacy = code as AuthorizationCodeRecord & { resource?: string | null }
      if (!Array.isArray(code.resources)) code.resources = legacy.resource ? [legacy.resource] : []
      code.consumed_at = result.record.consumedAt
      return { status: result.status, code }
    },
  }
}

/** Grant ids of the user's codes for one client (consumed ones included, until purged), each once. */
export async function codeGrantIds(records: RecordStore, userId: string, clientId: string): Promise<string[]> {
  const codes = await records.listBySubject(AUTHORIZATION_CODE, userId)
  return [...new Set(codes.flatMap(({ value }) => (value.client_id === clientId ? [value.grant_id] : [])))]
}
