import { describe, expect, it } from 'vitest'
import { adminConfirm, adminField, adminSecret, adminTable, html, renderAdminPage } from '../../../src/ui/index.js'

describe('the admin console frame', () => {
  it('escapes what it is given, marks the current section and loads only the script it names, under the nonce', () => {
    const page = renderAdminPage({
      title: '<b>Clients</b>', body: html`<p>${'<img src=x onerror=alert(1)>'}</p>`,
      admin: { name: '"><script>alert(1)</script>', signOutAction: 'https://id.example/admin/sign-out', csrfToken: 'token' },
      nav: [{ label: 'Clients', href: 'https://id.example/admin/clients', current: true }, { label: 'Audit trail', href: 'https://id.example/admin/audit', current: false }],
      scriptUrl: 'https://id.example/admin/console.js',
    }, 'bm9uY2U=')
    expect(page).toContain('<h1>&lt;b&gt;Clients&lt;/b&gt;</h1>')
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(page).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(page).toContain('<a href="https://id.example/admin/clients" aria-current="page">Clients</a>')
    expect(page).not.toContain('<a href="https://id.example/admin/audit" aria-current')
    expect([...page.matchAll(/<script[^>]*>/g)].map((match) => match[0])).toEqual(['<script src="https://id.example/admin/console.js" nonce="bm9uY2U=" defer>'])
    expect(page).toContain('<style nonce="bm9uY2U=">')
  })

  it('builds tables with column headers, labelled fields, a read-only secret with a hidden copy button, and a confirmation form', () => {
    const table = adminTable({ caption: 'Clients', columns: ['Name'], rows: [['<x>']], empty: 'None' }).__html
    expect(table).toContain('<th scope="col">Name</th>')
    expect(table).toContain('<td>&lt;x&gt;</td>')
    expect(adminTable({ caption: 'Clients', columns: ['Name'], rows: [], empty: 'None' }).__html).toContain('None')
    expect(adminField({ kind: 'textarea', name: 'redirect_uris', label: 'Redirect URIs', value: '</textarea><script>' }).__html)
      .toContain('<label for="field-redirect_uris">Redirect URIs</label><textarea id="field-redirect_uris" name="redirect_uris" rows="4">&lt;/textarea&gt;&lt;script&gt;</textarea>')
    const secret = adminSecret({ id: 'client-secret', label: 'Client secret', value: 's3cr3t' }).__html
    expect(secret).toContain('<input id="client-secret" type="text" readonly value="s3cr3t"')
    expect(secret).toContain('data-copy="client-secret" hidden>Copy</button>')
    const confirm = adminConfirm({ question: 'Delete?', action: '/admin/clients/a/delete', csrfToken: 'token', submit: 'Delete client', cancelHref: '/admin/clients/a' }).__html
    expect(confirm).toContain('<form method="post" action="/admin/clients/a/delete">')
    expect(confirm).toContain('<input type="hidden" name="csrf_token" value="token">')
  })
})
