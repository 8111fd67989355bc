import { describe, expect, it } from 'vitest'
import { html } from '../../src/ui/html.js'
import { renderPage } from '../../src/ui/layout.js'

describe('renderPage', () => {
  const page = renderPage({ nonce: 'abc', title: 'Sign in', body: html`<h1>Hello</h1>` })

  it('is a complete HTML5 document in English', () => {
    expect(page.startsWith('<!doctype html>\n<html lang="en">')).toBe(true)
    expect(page).toContain('<meta charset="utf-8">')
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">')
    expect(page).toContain('<meta name="referrer" content="no-referrer">')
    expect(page).toContain('<main>\n')
    expect(page.trimEnd().endsWith('</html>')).toBe(true)
  })

  it('titles the page "<title> · Tessera"', () => {
    expect(page).toContain('<title>Sign in · Tessera</title>')
    expect(renderPage({ nonce: 'abc', title: 'Sign in', body: html``, productName: 'Acme ID' })).toContain(
      '<title>Sign in · Acme ID</title>',
    )
  })

  it('escapes the title and product name', () => {
    const hostile = renderPage({ nonce: 'abc', title: '</title><script>', body: html``, productName: '<b>' })
    expect(hostile).toContain('<title>&lt;/title&gt;&lt;script&gt; · &lt;b&gt;</title>')
  })

  it('has one inline stylesheet under the nonce and no external resources', () => {
    expect(page.match(/<style\b/g)).toHaveLength(1)
    expect(page).toContain('<style nonce="abc">')
    expect(page).not.toMatch(/<script|<link rel="stylesheet"|@import|url\(|https?:\/\//i)
  })

  it('styles a visible keyboard focus ring', () => {
    expect(page).toMatch(/:focus-visible\s*\{\s*outline: 3px solid/)
  })
})
