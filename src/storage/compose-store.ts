import { authorizationCodeStore, codeGrantIds } from './kinds/codes.js'
import { interactionStore } from './kinds/interactions.js'
import { loginSessionStore } from './kinds/sessions.js'
import type { GrantStore, Store } from './types.js'

/**
 * What a backend implements: the long-lived typed entities and one record facility. The typed stores of
 * short-lived kinds (codes, sessions, interactions) are added by `composeStore`, identically for all.
 */
export interface BackendStore extends Omit<Store, 'codes' | 'sessions' | 'interactions' | 'grants'> {
  readonly grants: BackendGrantStore
}

export interface BackendGrantStore extends Omit<GrantStore, 'revokeByUserAndClient'> {
  /**
   * `GrantStore.revokeByUserAndClient` over the grants the backend knows (refresh and opaque access
   * tokens) plus `alsoGrantIds`, the grants known only from short-lived records (codes).
   */
  revokeByUserAndClient(userId: string, clientId: string, until: number, alsoGrantIds: readonly string[]): Promise<number>
}

/**
 * The `Store` of a backend: its own stores plus the typed views of its record facility.
 *
 * @example return composeStore({ clients, users, …, records: memoryRecordStore(state) })
 * @see ./kinds/ for the short-lived kinds
 */
export function composeStore<T extends BackendStore>(backend: T): Omit<T, 'grants'> & Store {
  const { records } = backend
  return {
    ...backend,
    codes: authorizationCodeStore(records),
    sessions: loginSessionStore(records),
    interactions: interactionStore(records),
    grants: {
      revoke: (grantId, until) => backend.grants.revoke(grantId, until),
      isRevoked: (grantId, now) => backend.grants.isRevoked(grantId, now),
      // A code not yet exchanged already names its grant: disconnecting the app must stop that exchange.
      async revokeByUserAndClient(userId, clientId, until) {
        return backend.grants.revokeByUserAndClient(userId, clientId, until, await codeGrantIds(records, userId, clientId))
      },
    },
  }
}
