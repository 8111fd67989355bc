import { describe, expect, it } from 'vitest'
import { renderErrorPage } from '../../../src/ui/pages/error.js'

describe('renderErrorPage', () => {
  it('shows the title, the message and the code', () => {
    const page = renderErrorPage({
      nonce: 'n',
      title: 'Something went wrong',
      message: 'The sign-in link is invalid.',
      code: 'invalid_request',
    })
    expect(page).toContain('<title>Something went wrong · Tessera</title>')
    expect(page).toContain('<h1>Something went wrong</h1>')
    expect(page).toContain('The sign-in link is invalid.')
    expect(page).toContain('Error code: invalid_request')
  })

  it('omits the code line without a code', () => {
    expect(renderErrorPage({ nonce: 'n', title: 'Oops', message: 'Try again.' })).not.toContain('Error code')
  })
})
