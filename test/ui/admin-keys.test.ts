import { describe, expect, it } from 'vitest'
import { renderAdminKeyRotatePage, renderAdminKeysPage } from '../../src/ui/index.js'
import { ATTRIBUTE_BREAKOUT, XSS, startTags, tags } from './fixtures.js'

// The signing keys page and the rotation's confirmation of the admin console, as pure views.

describe('admin keys views', () => {
  it('AC-08 lists keys with their fields escaped, headed columns, and no form of its own', () => {
    const page = renderAdminKeysPage({
      base: '/admin', notice: XSS,
      keys: [
        { kid: XSS, alg: ATTRIBUTE_BREAKOUT, active: true, createdAt: 1_700_000_000, retiredAt: null, expiresAt: null },
        { kid: 'old', alg: 'ES256', active: false, createdAt: 1_600_000_000, retiredAt: 1_700_000_000, expiresAt: 1_700_086_400 },
      ],
    }).__html
    expect(page).not.toContain(XSS)
    expect(page).not.toContain(ATTRIBUTE_BREAKOUT)
    for (const tag of startTags(page)) expect(tag).not.toMatch(/\son[a-z]+=|javascript:|\sstyle=/i)
    expect(page).toContain('<th scope="row"><code>&lt;img src=x onerror=alert(1)&gt;</code></th>')
    expect(page).toContain('<span class="badge">active</span>')
    expect(page).toMatch(/<td>retired<\/td><td><time datetime="2020-09-13T12:26:40.000Z">/)
    expect(page.match(/<th scope="col">/g)).toHaveLength(6)
    expect(tags(page, 'form')).toEqual([])
    expect(tags(page, 'a')).toEqual([{ href: '/admin/keys/rotate' }])
  })

  it('says when the keys could not be read, and when there are none yet', () => {
    expect(renderAdminKeysPage({ base: '/admin', keys: undefined, error: 'Refused.' }).__html).toContain('<div class="alert" role="alert">Refused.</div>')
    expect(renderAdminKeysPage({ base: '/admin', keys: [] }).__html).toContain('No signing key yet')
  })

  it('AC-08 the rotation is a POST form with the CSRF token, and says when a new sign-in will be asked first', () => {
    const fresh = renderAdminKeyRotatePage({ base: '/admin', csrfToken: ATTRIBUTE_BREAKOUT, freshSignIn: true }).__html
    expect(tags(fresh, 'form')).toEqual([{ method: 'post', action: '/admin/keys/rotate' }])
    expect(tags(fresh, 'input')).toEqual([{ type: 'hidden', name: 'csrf_token', value: '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;' }])
    expect(fresh).toContain('you will be asked to sign in again first')
    expect(fresh).toContain('<a href="/admin/keys">Cancel</a>')
    expect(renderAdminKeyRotatePage({ base: '/admin', csrfToken: 'c', freshSignIn: false }).__html).not.toContain('sign in again')
  })
})
