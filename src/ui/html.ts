/**
 * Escaping HTML templates. Every value interpolated into `html\`…\`` is escaped unless it is itself a
 * `SafeHtml` made by `html` or `raw`, so a forgotten escape cannot reach the page.
 *
 * @see https://html.spec.whatwg.org/multipage/syntax.html#escapingString
 */

/** Markup that is safe to place in a page: produced by `html` (escaped) or `raw` (trusted by the caller). */
export interface SafeHtml {
  readonly __html: string
}

// Only values made here are trusted. A look-alike `{ __html }` (say, from parsed JSON) is refused, not rendered.
const minted = new WeakSet<SafeHtml>()

function mint(markup: string): SafeHtml {
  const value: SafeHtml = Object.freeze({ __html: markup })
  minted.add(value)
  return value
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/**
 * Escapes text for an element body or a quoted attribute value.
 *
 * @example escapeHtml('<b title="x">') // '&lt;b title=&quot;x&quot;&gt;'
 * @see https://html.spec.whatwg.org/multipage/syntax.html#attributes-2
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char)
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false || value === true) return ''
  if (typeof value === 'string') return escapeHtml(value)
  if (typeof value === 'number' || typeof value === 'bigint') return escapeHtml(String(value))
  if (Array.isArray(value)) return value.map(render).join('')
  if (typeof value === 'object' && minted.has(value as SafeHtml)) return (value as SafeHtml).__html
  throw new TypeError(
    `html\`\`: cannot interpolate a value of type ${typeof value}; pass a string, a number, SafeHtml from html\`\` or raw(), or an array of them`,
  )
}

/**
 * Tagged template that escapes every interpolated value. Arrays are joined, `null`, `undefined` and booleans
 * render nothing (so `cond && html\`…\`` works), and nested `SafeHtml` is inserted as is.
 *
 * @example html`<p>Hello, ${name}</p>`
 * @example html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let markup = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) {
    markup += render(values[i]) + (strings[i + 1] ?? '')
  }
  return mint(markup)
}

/**
 * Marks a string as trusted markup, inserted without escaping. Only for constants written in this code base,
 * never for anything that came from a request, a client registration or a store.
 *
 * @example raw('&nbsp;')
 */
export function raw(trusted: string): SafeHtml {
  return mint(trusted)
}
