import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../../src/storage/types.js'
import { accessTokenContract } from './contract/access-tokens.js'
import { auditContract } from './contract/audit.js'
import { clientAndUserContract } from './contract/clients-users.js'
import { codeContract } from './contract/codes.js'
import { consentContract } from './contract/consents.js'
import { expiryContract } from './contract/expiry.js'
import { keyContract } from './contract/keys.js'
import { purgeContract } from './contract/purge.js'
import { recordContract } from './contract/records.js'
import { refreshTokenContract } from './contract/refresh-tokens.js'
import { sessionAndInteractionContract } from './contract/sessions-interactions.js'
import { seed } from './fixtures.js'

/** Gives each contract section the store of the running test. */
export type CurrentStore = () => Store

/**
 * The storage contract of `src/storage/types.ts`, run against every store. `open` must return a fresh,
 * empty store each time; each test starts with the client and user of `fixtures.seed`.
 */
export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(name, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
      await seed(store)
    })
    afterEach(() => store.close())

    const current: CurrentStore = () => store
    clientAndUserContract(current)
    codeContract(current)
    refreshTokenContract(current)
    accessTokenContract(current)
    consentContract(current)
    sessionAndInteractionContract(current)
    keyContract(current)
    expiryContract(current)
    purgeContract(current)
    recordContract(current)
    auditContract(current)

    it('answers a readiness ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined()
    })
  })
}
