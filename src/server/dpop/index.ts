import type { Capability } from '../context.js'

/**
 * DPoP (RFC 9449) at the token endpoint: the proof checks live in `token-request.ts`, the bindings in
 * `records.ts`; this capability only announces the proof algorithms (§5.1).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5.1
 */
export const dpop: Capability = {
  name: 'dpop',
  spec: 'RFC 9449',
  metadata: (ctx) => ({ dpop_signing_alg_values_supported: [...ctx.config.dpop.algorithms] }),
}
