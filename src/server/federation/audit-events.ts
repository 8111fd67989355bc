/** The federation capability's audit events (merged into `AuditEventMap`) and their log levels. */
declare module '../audit/events.js' {
  interface AuditEventMap {
    /**
     * A user signed in through an upstream provider. `upstream_methods`: what the upstream reported and
     * Tessera took into `amr` (`trustUpstreamAmr`), empty when the upstream is not trusted for it.
     */
    'federation.login': { user_id: string; upstream: string; upstream_methods: string }
    /** A first sign-in with an upstream identity created a local account (just-in-time provisioning). */
    'federation.provisioned': { user_id: string; username: string; upstream: string }
    /** The signed-in user linked an upstream identity to their account. */
    'federation.linked': { user_id: string; upstream: string }
    /** The signed-in user removed an upstream's identities from their account. */
    'federation.unlinked': { user_id: string; upstream: string }
    /** An upstream sign-in failed at the upstream or its answer failed validation (`reason`: the relying party's error code). */
    'federation.failed': { upstream: string; reason: string }
  }
}

export const FEDERATION_AUDIT_EVENTS = {
  'federation.login': 'info',
  'federation.provisioned': 'info',
  'federation.linked': 'info',
  'federation.unlinked': 'info',
  'federation.failed': 'warn',
} as const
