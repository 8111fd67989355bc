import { describe, expect, it } from 'vitest'
import { htmlSecurityHeaders, newNonce } from '../../src/ui/headers.js'
import { renderLoginPage } from '../../src/ui/pages/login.js'

function directives(headers: Headers): Map<string, string> {
  const policy = headers.get('content-security-policy') ?? ''
  return new Map(
    policy.split(';').map((directive) => {
      const [name = '', ...values] = directive.trim().split(/\s+/)
      return [name, values.join(' ')]
    }),
  )
}

describe('newNonce', () => {
  it('is 16 random bytes in base64', () => {
    const nonce = newNonce()
    expect(Buffer.from(nonce, 'base64')).toHaveLength(16)
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/)
    expect(newNonce()).not.toBe(nonce)
  })
})

describe('htmlSecurityHeaders', () => {
  it('sends the fixed security headers', () => {
    const headers = htmlSecurityHeaders({ nonce: newNonce() })
    expect(headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(headers.get('x-frame-options')).toBe('DENY')
    expect(headers.get('x-content-type-options')).toBe('nosniff')
    expect(headers.get('referrer-policy')).toBe('no-referrer')
    expect(headers.get('cache-control')).toBe('no-store')
    expect(headers.get('pragma')).toBe('no-cache')
  })

  it('builds a CSP that forbids framing, scripts, plugins and <base>', () => {
    const csp = directives(htmlSecurityHeaders({ nonce: 'abc123==' }))
    expect(csp.get('default-src')).toBe("'none'")
    expect(csp.get('style-src')).toBe("'nonce-abc123=='")
    expect(csp.get('img-src')).toBe("'self' data:")
    expect(csp.get('form-action')).toBe("'self'")
    expect(csp.get('frame-ancestors')).toBe("'none'")
    expect(csp.get('base-uri')).toBe("'none'")
    expect(csp.get('object-src')).toBe("'none'")
    expect(csp.has('script-src')).toBe(false)
  })

  it('matches the exact policy string', () => {
    expect(htmlSecurityHeaders({ nonce: 'n0nce', formActions: ['https://app.example'] }).get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'nonce-n0nce'; img-src 'self' data:; form-action 'self' https://app.example; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    )
  })

  it('adds formActions origins once each', () => {
    const csp = directives(
      htmlSecurityHeaders({ nonce: 'n', formActions: ['https://a.example', 'https://b.example:8443', 'https://a.example'] }),
    )
    expect(csp.get('form-action')).toBe("'self' https://a.example https://b.example:8443")
  })

  it('rejects formActions entries that would inject another directive', () => {
    expect(() => htmlSecurityHeaders({ nonce: 'n', formActions: ["https://a.example; script-src 'unsafe-inline'"] })).toThrow(
      TypeError,
    )
    expect(() => htmlSecurityHeaders({ nonce: 'n', formActions: ['https://a.example *'] })).toThrow(TypeError)
  })

  it('rejects a nonce that is not base64', () => {
    expect(() => htmlSecurityHeaders({ nonce: "x'; script-src *" })).toThrow(TypeError)
    expect(() => htmlSecurityHeaders({ nonce: '' })).toThrow(TypeError)
  })

  it('sends HSTS only over https', () => {
    expect(htmlSecurityHeaders({ nonce: 'n' }).has('strict-transport-security')).toBe(false)
    expect(htmlSecurityHeaders({ nonce: 'n', https: false }).has('strict-transport-security')).toBe(false)
    expect(htmlSecurityHeaders({ nonce: 'n', https: true }).get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    )
  })

  it('uses the same nonce as the page <style>', () => {
    const nonce = newNonce()
    const page = renderLoginPage({ nonce, action: '/login', hidden: {}, csrfToken: 't', clientName: 'Notes' })
    const styleNonce = /<style nonce="([^"]+)">/.exec(page)?.[1]
    expect(styleNonce).toBe(nonce)
    expect(directives(htmlSecurityHeaders({ nonce })).get('style-src')).toBe(`'nonce-${styleNonce}'`)
  })
})
