import { AUDIT_EVENT_TYPES } from '../server/audit/events.js'
import type { Capability, Registry } from '../server/context.js'
import { CORE_CAPABILITIES } from '../server/core-capabilities.js'
import { createRegistry } from '../server/registry.js'

/**
 * The capabilities `tessera serve` runs with beyond the core ones. Every command derives what it accepts
 * (grant types, authentication methods, audit event types) from the same registry as the server, so the
 * CLI never lists them itself.
 */
export const SERVE_CAPABILITIES: readonly Capability[] = []

export const cliRegistry: Registry = createRegistry([...CORE_CAPABILITIES, ...SERVE_CAPABILITIES])

/** Every audit event type the server may record: the core ones and its capabilities'. */
export function auditEventTypes(registry: Registry = cliRegistry): string[] {
  return [...AUDIT_EVENT_TYPES, ...registry.auditEvents.keys()]
}
