import type { Store } from '../../storage/types.js'
import { auditOf, type AdminOptions } from '../admin-options.js'
import './audit-events.js'
import { setClientRequireMfa, setUserRequireMfa } from './policy.js'
import { removeSecondFactor } from './totp-credential.js'
import { TOTP_CREDENTIAL, USER_MFA_POLICY } from './records.js'

/**
 * Removes a user's second factor (key, pending enrolment, recovery codes), audited: the operator's answer
 * to "I lost my phone and my recovery codes" (`tessera-oidc user mfa reset`). A user the policy still
 * requires to have one enrols again at the next sign-in.
 *
 * @example await resetSecondFactor(store, user.id, { actor: 'cli' })
 */
export async function resetSecondFactor(store: Store, userId: string, options: AdminOptions = {}): Promise<void> {
  const { audit, actor } = auditOf(store, options)
  await removeSecondFactor(store, userId)
  await audit.record({ type: 'mfa.disabled', user_id: userId, actor })
}

/** Whether the user has a second factor and whether the operator requires one (for `user list`-style output). */
export async function secondFactorStatus(store: Store, userId: string, now: number): Promise<{ enrolled: boolean; required: boolean }> {
  const [credential, policy] = await Promise.all([store.records.get(TOTP_CREDENTIAL, userId, now), store.records.get(USER_MFA_POLICY, userId, now)])
  return { enrolled: credential !== undefined, required: policy?.value.require_mfa === true }
}

export { setClientRequireMfa, setUserRequireMfa }
