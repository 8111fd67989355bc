import { describe, expect, it } from 'vitest'
import { ConfigError, resolveConfig } from '../../src/server/config.js'
import { createAuthorizationServer } from '../../src/server/create-server.js'
import { defaultPageRenderer, type ErrorView, type PageRenderer } from '../../src/server/index.js'
import { createMemoryStore } from '../../src/storage/memory.js'

const ISSUER = 'https://as.example'
const SECRET = 'x'.repeat(32)

describe('the pages option (PageRenderer)', () => {
  it("defaults to Tessera's pages", () => {
    expect(resolveConfig({ issuer: ISSUER, store: createMemoryStore(), secret: SECRET }).pages).toBe(defaultPageRenderer)
  })

  it('renders the error page with the given renderer, under the same headers and status', async () => {
    const seen: { view: ErrorView; nonce: string }[] = []
    const pages: PageRenderer = {
      ...defaultPageRenderer,
      error: (view, nonce) => {
        seen.push({ view, nonce })
        return `<!doctype html><title>${view.title}</title>`
      },
    }
    const server = await createAuthorizationServer({ issuer: ISSUER, store: createMemoryStore(), secret: SECRET, pages })
    const response = await server.handle({ method: 'GET', url: new URL('/authorize?client_id=nope', ISSUER), headers: new Headers() })

    expect(response.status).toBe(400)
    expect(response.body).toBe('<!doctype html><title>Unknown application</title>')
    expect(seen).toEqual([{ view: { title: 'Unknown application', message: expect.any(String), code: 'invalid_client' }, nonce: expect.any(String) }])
    // The renderer gets the nonce the CSP allows, and the page its security headers whoever renders it.
    expect(response.headers.get('content-security-policy')).toContain(`'nonce-${seen[0]?.nonce}'`)
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains')
  })

  it('names the field and the missing methods of an incomplete renderer', () => {
    const { error: _error, ...incomplete } = defaultPageRenderer
    // A JavaScript caller (or a config file) can pass anything.
    expect(() => resolveConfig({ issuer: ISSUER, store: createMemoryStore(), secret: SECRET, pages: incomplete as PageRenderer })).toThrow(ConfigError)
    expect(() => resolveConfig({ issuer: ISSUER, store: createMemoryStore(), secret: SECRET, pages: incomplete as PageRenderer })).toThrow(/pages must have the PageRenderer methods error/)
  })
})
