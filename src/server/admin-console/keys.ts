import { ADMIN_KEY_PATHS, renderAdminKeyRotatePage, renderAdminKeysPage, renderAdminProblemPage, type AdminKeyRow } from '../../ui/index.js'
import { consoleBase, itemsOf, noticeOf, nullableSeconds, problemOf, seconds, text } from './problems.js'
import type { ConsolePage } from './types.js'

// The console's signing keys page and their rotation through the admin API. A rotation changes what every
// relying party verifies, so it asks for a recent sign-in (catalogue AC-08): without one the POST hands
// the admin to the frame's fresh authentication and back to the list, where they confirm again.

const NOTICES: ReadonlyMap<string, string> = new Map([
  ['keys-rotated', 'The keys were rotated: the new ones sign from now on, the old ones stay published for a day.'],
])

const list: ConsolePage = {
  method: 'GET', path: ADMIN_KEY_PATHS.list, section: 'keys',
  async handle(request) {
    const answer = await request.api('GET', '/keys')
    const problem = answer.status === 200 ? undefined : problemOf(answer, 'key')
    const keys = problem ? undefined : itemsOf(answer).map((item): AdminKeyRow => ({
      kid: text(item.kid) ?? '', alg: text(item.alg) ?? '', active: item.active === true,
      createdAt: seconds(item.created_at), retiredAt: nullableSeconds(item.retired_at), expiresAt: nullableSeconds(item.expires_at),
    }))
    const body = renderAdminKeysPage({ base: consoleBase(request), keys, notice: noticeOf(request, NOTICES), error: problem?.message })
    return { kind: 'page', title: 'Signing keys', body, ...(problem ? { status: problem.status } : {}) }
  },
}

const confirmRotation: ConsolePage = {
  method: 'GET', path: ADMIN_KEY_PATHS.rotate, section: 'keys',
  handle: async (request) => ({
    kind: 'page', title: 'Rotate the signing keys',
    body: renderAdminKeyRotatePage({ base: consoleBase(request), csrfToken: request.csrfToken, freshSignIn: !request.recentlyAuthenticated }),
  }),
}

const rotate: ConsolePage = {
  method: 'POST', path: ADMIN_KEY_PATHS.rotate, section: 'keys',
  async handle(request) {
    if (!request.recentlyAuthenticated) return { kind: 'fresh-auth', returnTo: ADMIN_KEY_PATHS.list }
    const answer = await request.api('POST', '/keys/rotate')
    if (answer.status === 200) return { kind: 'redirect', to: `${ADMIN_KEY_PATHS.list}?notice=keys-rotated` }
    const problem = problemOf(answer, 'key')
    return {
      kind: 'page', title: 'The keys were not rotated', status: problem.status,
      body: renderAdminProblemPage({ base: consoleBase(request), back: ADMIN_KEY_PATHS.list, backLabel: 'Back to the keys', error: problem.message, errors: problem.errors }),
    }
  },
}

/**
 * The keys section of the admin console: list, and rotation after confirmation and a recent sign-in.
 *
 * @example const PAGES = [...CLIENT_PAGES, ...USER_PAGES, ...KEY_PAGES]
 * @see README "Admin console"
 */
export const KEY_PAGES: readonly ConsolePage[] = [list, confirmRotation, rotate]
