/*
 * Authentication context classes (OIDC Core §2 `acr`) and methods (RFC 8176 `amr`) as Tessera defines
 * them. Two levels, ordered: a password (or any single factor) and two factors.
 */

/** One factor: a password. */
export const ACR_PASSWORD = 'urn:tessera:pwd'
/** Two factors: a password and a TOTP, recovery code or passkey; or a passkey with user verification. */
export const ACR_MFA = 'urn:tessera:mfa'
/** Weakest first: `acr_values_supported` (OIDC Discovery §3) and the order levels compare in. */
export const ACR_VALUES: readonly string[] = [ACR_PASSWORD, ACR_MFA]

/** The level of an `acr` value; an unknown or missing one is below every level. */
export function acrLevel(acr: string | undefined): number {
  return acr === undefined ? -1 : ACR_VALUES.indexOf(acr)
}

/**
 * The `acr` an authentication by these RFC 8176 methods reaches: `mfa` only when two factors were used
 * (RFC 8176 §2: `mfa`), nothing above what happened (catalogue MF-09).
 */
export function acrOf(amr: readonly string[]): string {
  return amr.includes('mfa') ? ACR_MFA : ACR_PASSWORD
}

/**
 * RFC 8176 §2: the methods of an authentication, with `mfa` added when more than one factor was used. A
 * login path whose one method is multi-factor by itself (a passkey with user verification: the device
 * and its PIN or biometric) passes `mfa` with it; only Tessera's own login paths call this, never with
 * an upstream's claims.
 */
export function withMfa(methods: readonly string[]): string[] {
  const distinct = [...new Set(methods.filter((method) => method !== 'mfa'))]
  return distinct.length >= 2 || methods.includes('mfa') ? [...distinct, 'mfa'] : distinct
}
