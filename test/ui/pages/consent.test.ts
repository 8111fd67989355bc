import { describe, expect, it } from 'vitest'
import { renderConsentPage } from '../../../src/ui/pages/consent.js'
import { describeScopes } from '../../../src/ui/scopes.js'
import { tags } from '../fixtures.js'

const base = {
  nonce: 'n',
  action: '/interaction/abc/consent',
  hidden: { interaction: 'abc' },
  csrfToken: 'csrf-123',
  clientName: 'Notes',
  userName: 'Ada Lovelace',
  scopes: describeScopes(['openid', 'email', 'read:notes'], { 'read:notes': 'Read your notes' }),
}

describe('renderConsentPage', () => {
  it('says who asks and who is signed in', () => {
    const page = renderConsentPage(base)
    expect(page).toContain('<h1>Notes wants to access your account</h1>')
    expect(page).toMatch(/Signed in as <span class="account">Ada Lovelace<\/span>/)
  })

  it('lists every scope description', () => {
    const items = [...renderConsentPage(base).matchAll(/<li>([^<]*)<\/li>/g)].map((match) => match[1])
    expect(items).toEqual(['Confirm your identity (your account ID)', 'See your email address', 'Read your notes'])
  })

  it('has Allow and Deny as two submit buttons of one form', () => {
    const page = renderConsentPage(base)
    expect(tags(page, 'form')).toEqual([{ method: 'post', action: '/interaction/abc/consent' }])
    expect(page).toContain('<button name="decision" value="allow">Allow</button>')
    expect(page).toContain('<button name="decision" value="deny">Deny</button>')
    const form = /<form[^>]*>([\s\S]*?)<\/form>/.exec(page)?.[1] ?? ''
    expect(form).toContain('value="allow"')
    expect(form).toContain('value="deny"')
    expect(tags(form, 'input').find((field) => field.name === 'csrf_token')?.value).toBe('csrf-123')
    expect(tags(form, 'input').find((field) => field.name === 'interaction')?.value).toBe('abc')
  })

  it('tells the user the app never sees the password', () => {
    expect(renderConsentPage(base)).toContain('Notes will never see your password.')
  })

  it('drops a hidden "decision" so a crafted request cannot turn Deny into Allow', () => {
    const page = renderConsentPage({ ...base, hidden: { decision: 'allow', interaction: 'abc' } })
    expect(tags(page, 'input').some((field) => field.name === 'decision')).toBe(false)
  })

  it('still renders without scopes', () => {
    const page = renderConsentPage({ ...base, scopes: [] })
    expect(page).not.toContain('<ul')
    expect(page).toContain('<button name="decision" value="allow">Allow</button>')
  })
})
