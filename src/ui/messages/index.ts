import { escapeHtml, html, raw, type SafeHtml } from '../html.js'
import { de } from './de.js'
import { en, type MessageKey, type Messages } from './en.js'

export { de, en, type MessageKey, type Messages }

/** Values filled into a message's `{name}` placeholders. */
export type MessageValues = Readonly<Record<string, string | number>>

/**
 * The texts of one language. `text` gives plain text (escaped later by `html\`\``, like any value); `html`
 * escapes the message and puts markup (a `<span>` around a name) where its placeholders are.
 *
 * @example createTranslator('de', de).text('login.heading', { client: 'Notes' }) // 'Anmelden, um mit Notes fortzufahren'
 */
export interface Translator {
  /** The BCP 47 tag of the language: the page's `<html lang>`. */
  readonly locale: string
  /** The text of `key` in this language, its `{name}` placeholders filled from `values` (unknown ones left as written). */
  text(key: MessageKey, values?: MessageValues): string
  /** The text of `key` as escaped markup, for placeholders that hold markup (a link, a `<strong>`). */
  html(key: MessageKey, values: Readonly<Record<string, string | number | SafeHtml>>): SafeHtml
}

/** The catalogues Tessera ships, by language tag. */
export const BUILT_IN_CATALOGUES: Readonly<Record<string, Messages>> = Object.freeze({ en, de })

/** Every key a catalogue must have. */
export const MESSAGE_KEYS: readonly MessageKey[] = Object.freeze(Object.keys(en) as MessageKey[])

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g

/**
 * A translator over `messages`; a key the catalogue lacks (a partial one from configuration) falls back
 * to English, so a page never shows a key.
 *
 * @example const t = createTranslator('en', en); t.text('login.title') // 'Sign in'
 */
export function createTranslator(locale: string, messages: Partial<Messages>): Translator {
  const lookup = (key: MessageKey): string => (Object.hasOwn(messages, key) ? messages[key] : undefined) ?? en[key]
  return {
    locale,
    text: (key, values = {}) => lookup(key).replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : whole)),
    html: (key, values) => {
      const parts = lookup(key).split(PLACEHOLDER)
      // split with a capture group alternates literal text and placeholder names.
      return html`${parts.map((part, index) => (index % 2 === 0 ? raw(escapeHtml(part)) : Object.hasOwn(values, part) ? html`${values[part]}` : raw(escapeHtml(`{${part}}`))))}`
    },
  }
}

/** English, for pages rendered without a language (a renderer called directly, or an older caller). */
export const ENGLISH: Translator = createTranslator('en', en)

/**
 * Checks a catalogue given in configuration: an object of known keys with non-empty string values that
 * keep the English text's placeholders. Answers the problems, empty when it is usable.
 *
 * @example catalogueProblems({ 'login.title': 'Connexion' }) // []
 */
export function catalogueProblems(catalogue: unknown): string[] {
  if (typeof catalogue !== 'object' || catalogue === null || Array.isArray(catalogue)) return ['must be an object of message texts by key']
  const problems: string[] = []
  for (const [key, value] of Object.entries(catalogue)) {
    if (!Object.hasOwn(en, key)) {
      problems.push(`has an unknown key ${JSON.stringify(key)}`)
      continue
    }
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${key} must be a non-empty string`)
      continue
    }
    const wanted = new Set([...en[key as MessageKey].matchAll(PLACEHOLDER)].map((match) => match[1]))
    const given = new Set([...value.matchAll(PLACEHOLDER)].map((match) => match[1]))
    for (const name of given) if (!wanted.has(name)) problems.push(`${key} has an unknown placeholder {${name}}`)
  }
  return problems
}
