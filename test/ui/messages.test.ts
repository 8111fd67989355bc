import { describe, expect, it } from 'vitest'
import { BUILT_IN_CATALOGUES, catalogueProblems, createTranslator, de, en, MESSAGE_KEYS } from '../../src/ui/index.js'
import { PAGE_GALLERY, renderGalleryPage } from '../helpers/page-gallery.js'

const placeholders = (text: string) => [...text.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]).sort()

describe('message catalogues', () => {
  it('English and German have exactly the same keys, none empty, with the same placeholders', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort())
    for (const [tag, catalogue] of Object.entries(BUILT_IN_CATALOGUES)) {
      for (const key of MESSAGE_KEYS) {
        expect(catalogue[key].trim(), `${tag} ${key}`).not.toBe('')
        expect(placeholders(catalogue[key]), `${tag} ${key}`).toEqual(placeholders(en[key]))
      }
    }
    expect(catalogueProblems(de)).toEqual([])
  })

  it('no page renders a catalogue key or an unfilled placeholder, in either language', () => {
    for (const locale of ['en', 'de'] as const) {
      const t = createTranslator(locale, BUILT_IN_CATALOGUES[locale] ?? {})
      for (const page of PAGE_GALLERY) {
        const document = renderGalleryPage(page, 'bm9uY2U=', { t })
        const text = document.replace(/<style[\s\S]*?<\/style>/, '')
        for (const key of MESSAGE_KEYS) expect(text.includes(`>${key}<`) || text.includes(`"${key}"`), `${locale} ${page.name}: ${key}`).toBe(false)
        expect(text, `${locale} ${page.name}`).not.toMatch(/\{[a-z]+\}/)
        expect(document).toContain(`<html lang="${locale}">`)
      }
    }
  })

  it('the German pages are German: no English catalogue text of any length on them', () => {
    const t = createTranslator('de', de)
    const english = MESSAGE_KEYS.filter((key) => en[key] !== de[key] && !en[key].includes('{') && en[key].length > 12).map((key) => en[key])
    for (const page of PAGE_GALLERY) {
      const document = renderGalleryPage(page, 'bm9uY2U=', { t })
      for (const text of english) expect(document.includes(text), `${page.name}: ${text}`).toBe(false)
    }
  })

  it('a translator fills placeholders as text and escapes them in html, and a partial catalogue falls back to English', () => {
    const fr = createTranslator('fr', { 'login.title': 'Connexion' })
    expect(fr.text('login.title')).toBe('Connexion')
    expect(fr.text('login.submit')).toBe('Sign in')
    expect(fr.text('login.heading', { client: '<b>' })).toBe('Sign in to continue to <b>')
    expect(createTranslator('en', en).html('consent.sentBackTo', { host: '<i>x</i>' }).__html).toBe('You will be sent back to &lt;i&gt;x&lt;/i&gt;.')
  })

  it('a configured catalogue is checked: unknown keys, empty texts and unknown placeholders are named', () => {
    expect(catalogueProblems({ 'login.titel': 'x' })).toEqual(['has an unknown key "login.titel"'])
    expect(catalogueProblems({ 'login.title': ' ' })).toEqual(['login.title must be a non-empty string'])
    expect(catalogueProblems({ 'login.heading': 'Bonjour {user}' })).toEqual(['login.heading has an unknown placeholder {user}'])
    expect(catalogueProblems([])).toEqual(['must be an object of message texts by key'])
  })
})
