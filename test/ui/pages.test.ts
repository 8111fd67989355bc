import { describe, expect, it } from 'vitest'
import { ATTRIBUTE_BREAKOUT, NONCE, PAGES, XSS, startTags, tags } from './fixtures.js'

// One case table run against every page: the properties every interaction page must share.
describe.each(PAGES)('$name page', ({ render, hasForm }) => {
  const page = render()

  it('never contains a script', () => {
    expect(page).not.toMatch(/<script/i)
    for (const tag of startTags(page)) {
      expect(tag).not.toMatch(/\son[a-z]+=/i)
      expect(tag).not.toMatch(/javascript:/i)
    }
  })

  it('escapes hostile text everywhere', () => {
    expect(page).not.toContain(XSS)
    expect(page).not.toContain(ATTRIBUTE_BREAKOUT)
    expect(page).not.toContain('<img')
  })

  it('is an accessible document: lang, one <main>, one <h1>', () => {
    expect(page).toMatch(/<html lang="en">/)
    expect(page.match(/<main\b/g)).toHaveLength(1)
    expect(page.match(/<h1\b/g)).toHaveLength(1)
  })

  it('loads nothing from elsewhere and carries the nonce on its only <style>', () => {
    expect(tags(page, 'style')).toEqual([{ nonce: NONCE }])
    expect(page).not.toMatch(/https?:\/\//i)
    for (const tag of startTags(page)) {
      expect(tag).not.toMatch(/\s(src|srcset)=/i)
    }
    for (const link of tags(page, 'link')) expect(link.href).toMatch(/^data:/)
  })

  it('labels every visible input', () => {
    const ids = new Set(tags(page, 'label').map((label) => label.for))
    for (const input of tags(page, 'input').filter((input) => input.type !== 'hidden')) {
      expect(input.id).toBeDefined()
      expect(ids.has(input.id!)).toBe(true)
    }
    for (const id of ids) expect(tags(page, 'input').some((input) => input.id === id)).toBe(true)
  })

  it(hasForm ? 'POSTs one form carrying csrf_token and the hidden fields, escaped' : 'has no form', () => {
    const forms = tags(page, 'form')
    if (!hasForm) {
      expect(forms).toHaveLength(0)
      return
    }
    expect(forms).toHaveLength(1)
    expect(forms[0]?.method).toBe('post')
    const hidden = tags(page, 'input').filter((input) => input.type === 'hidden')
    expect(hidden.filter((input) => input.name === 'csrf_token')).toEqual([
      { type: 'hidden', name: 'csrf_token', value: '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;' },
    ])
    expect(hidden).toContainEqual({ type: 'hidden', name: 'state', value: '&lt;img src=x onerror=alert(1)&gt;' })
    expect(hidden).toContainEqual({
      type: 'hidden',
      name: '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;',
      value: '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;',
    })
  })
})
