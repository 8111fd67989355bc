import { describe, expect, it } from 'vitest'
import { escapeHtml, html, raw, type SafeHtml } from '../../src/ui/html.js'

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    )
  })

  it('leaves ordinary text alone', () => {
    expect(escapeHtml('Ada Lovelace · Notes ✓')).toBe('Ada Lovelace · Notes ✓')
  })
})

describe('html', () => {
  it('escapes interpolated strings', () => {
    expect(html`<p>${'<img src=x onerror=alert(1)>'}</p>`.__html).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>')
  })

  it('escapes attribute breakouts', () => {
    expect(html`<input value="${'" autofocus onfocus="alert(1)'}">`.__html).toBe(
      '<input value="&quot; autofocus onfocus=&quot;alert(1)">',
    )
  })

  it('renders numbers and bigints', () => {
    expect(html`${1}-${2n}`.__html).toBe('1-2')
  })

  it('renders nothing for null, undefined and booleans', () => {
    expect(html`[${null}${undefined}${false}${true}]`.__html).toBe('[]')
  })

  it('inserts nested SafeHtml as is and joins arrays', () => {
    const items = ['a', '<b>'].map((item) => html`<li>${item}</li>`)
    expect(html`<ul>${items}</ul>`.__html).toBe('<ul><li>a</li><li>&lt;b&gt;</li></ul>')
  })

  it('escapes strings inside arrays', () => {
    expect(html`${['<', ['>']]}`.__html).toBe('&lt;&gt;')
  })

  it('inserts raw() markup unescaped', () => {
    expect(html`<p>${raw('&nbsp;<br>')}</p>`.__html).toBe('<p>&nbsp;<br></p>')
  })

  it('refuses a look-alike { __html } object that html or raw did not make', () => {
    const forged = JSON.parse('{"__html":"<script>alert(1)</script>"}') as SafeHtml
    expect(() => html`${forged}`).toThrow(TypeError)
  })

  it('refuses plain objects and functions instead of printing [object Object]', () => {
    expect(() => html`${{}}`).toThrow(TypeError)
    expect(() => html`${() => 'x'}`).toThrow(TypeError)
  })

  it('keeps the literal parts of the template verbatim', () => {
    expect(html`<a href="/x?a=1&b=2">`.__html).toBe('<a href="/x?a=1&b=2">')
  })
})
