/**
 * The admin API's scopes. A route names one fine scope (`admin:clients:write`); the broad scope of its kind
 * (`admin:write` for writes, `admin:read` for reads) grants it too. A write scope does not grant reading:
 * a provisioning job may hold `admin:clients:write` alone. These scopes are granted only to clients the
 * operator registered with them (`tessera-oidc client create --scope admin:read`): they are not in the
 * server's `scopes_supported`, so dynamic registration and client ID metadata documents cannot name them.
 */
export const ADMIN_SCOPES = {
  'admin:read': 'Read everything the admin API shows',
  'admin:write': 'Change everything the admin API changes',
  'admin:clients:read': 'Read registered clients',
  'admin:clients:write': 'Create, change, disable and delete clients, rotate their secrets',
  'admin:users:read': 'Read users, their sessions and consents',
  'admin:users:write': 'Create, change and delete users, end their sessions, revoke their consents and grants, reset their second factor',
  'admin:keys:read': 'Read the signing keys (public parts)',
  'admin:keys:write': 'Rotate the signing keys',
  'admin:audit:read': 'Read the audit trail',
  'admin:registration:read': 'List initial access tokens for dynamic registration',
  'admin:registration:write': 'Create and revoke initial access tokens',
} as const

/** An admin API scope: `admin:read`/`admin:write` for every area, or `admin:<area>:read|write` for one (README "Admin API"). */
export type AdminScope = keyof typeof ADMIN_SCOPES

/** A fine scope a route requires: `admin:<area>:read|write`. */
export type RouteScope = Exclude<AdminScope, 'admin:read' | 'admin:write'>

/** Whether `granted` allows a route that needs `scope`: the scope itself, or the broad scope of its kind. */
export function grantsScope(granted: readonly string[], scope: RouteScope): boolean {
  const broad = scope.endsWith(':read') ? 'admin:read' : 'admin:write'
  return granted.includes(scope) || granted.includes(broad)
}

/** Whether a scope value is one of the admin API's. */
export function isAdminScope(scope: string): scope is AdminScope {
  return Object.hasOwn(ADMIN_SCOPES, scope)
}
