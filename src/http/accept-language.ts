/**
 * The language ranges of an `Accept-Language` header, most preferred first: q-values honoured (RFC 9110
 * §12.4.2), ranges with q=0 and the wildcard dropped (they name nothing to pick), ties kept in header order.
 * A malformed member is skipped, never an error: the header is only a preference.
 *
 * @example acceptedLanguages('de-CH, en;q=0.5, fr;q=0.8') // ['de-CH', 'fr', 'en']
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.4
 */
export function acceptedLanguages(header: string | null | undefined): string[] {
  if (!header) return []
  const ranges: { tag: string; q: number; index: number }[] = []
  for (const [index, member] of header.slice(0, 1024).split(',').entries()) {
    const [range = '', ...params] = member.split(';').map((part) => part.trim())
    if (!/^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/.test(range)) continue
    let q: number | undefined = 1
    for (const param of params) {
      if (!/^q=/i.test(param)) continue
      const match = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i.exec(param)
      q = match ? Number(match[1]) : undefined
    }
    if (q !== undefined && q > 0) ranges.push({ tag: range, q, index })
  }
  return ranges.sort((a, b) => b.q - a.q || a.index - b.index).map((range) => range.tag)
}
