import { describe, expect, it } from 'vitest'
import { renderLoginPage } from '../../../src/ui/pages/login.js'
import { startTags, tags } from '../fixtures.js'

const base = {
  nonce: 'n',
  action: '/interaction/abc/login',
  hidden: { interaction: 'abc', return_to: '/authorize?client_id=notes&scope=openid' },
  csrfToken: 'csrf-123',
  clientName: 'Notes',
}

function input(page: string, name: string): Record<string, string> | undefined {
  return tags(page, 'input').find((field) => field.name === name)
}

describe('renderLoginPage', () => {
  it('POSTs username and password to the action with the hidden fields and csrf_token', () => {
    const page = renderLoginPage(base)
    expect(tags(page, 'form')).toEqual([{ method: 'post', action: '/interaction/abc/login' }])
    expect(input(page, 'interaction')?.value).toBe('abc')
    expect(input(page, 'return_to')?.value).toBe('/authorize?client_id=notes&amp;scope=openid')
    expect(input(page, 'csrf_token')).toEqual({ type: 'hidden', name: 'csrf_token', value: 'csrf-123' })
    expect(page).toMatch(/<button type="submit"[^>]*>Sign in<\/button>/)
  })

  it('names the client in the headline', () => {
    expect(renderLoginPage(base)).toContain('<h1>Sign in to continue to Notes</h1>')
  })

  it('marks the fields for password managers and links their labels', () => {
    const page = renderLoginPage(base)
    expect(input(page, 'username')).toMatchObject({ id: 'username', type: 'text', autocomplete: 'username' })
    expect(input(page, 'password')).toMatchObject({ id: 'password', type: 'password', autocomplete: 'current-password' })
    expect(tags(page, 'label').map((label) => label.for)).toEqual(['username', 'password'])
  })

  it('shows no alert without an error', () => {
    const markup = startTags(renderLoginPage(base)).join('')
    expect(markup).not.toContain('role=')
    expect(markup).not.toContain('aria-describedby')
    expect(markup).not.toContain('aria-invalid')
  })

  it('announces an error, links it to the fields and keeps the username', () => {
    const page = renderLoginPage({ ...base, username: 'ada', error: 'Wrong username or password.' })
    const alert = /<div id="([^"]+)" class="alert" role="alert">([^<]*)<\/div>/.exec(page)
    expect(alert?.[2]).toBe('Wrong username or password.')
    expect(input(page, 'username')).toMatchObject({ value: 'ada', 'aria-describedby': alert?.[1], 'aria-invalid': 'true' })
    expect(input(page, 'password')).toMatchObject({ 'aria-describedby': alert?.[1], 'aria-invalid': 'true' })
    expect(input(page, 'password')?.value).toBeUndefined()
  })

  it('focuses the first field the user still has to fill', () => {
    expect(input(renderLoginPage(base), 'username')).toHaveProperty('autofocus')
    const kept = renderLoginPage({ ...base, username: 'ada' })
    expect(input(kept, 'username')).not.toHaveProperty('autofocus')
    expect(input(kept, 'password')).toHaveProperty('autofocus')
  })

  it('drops hidden fields that would shadow the form fields or csrf_token', () => {
    const page = renderLoginPage({ ...base, hidden: { username: 'mallory', password: 'x', csrf_token: 'forged' } })
    expect(tags(page, 'input').filter((field) => field.name === 'username')).toHaveLength(1)
    expect(tags(page, 'input').filter((field) => field.name === 'password')).toHaveLength(1)
    expect(tags(page, 'input').filter((field) => field.name === 'csrf_token')).toEqual([
      { type: 'hidden', name: 'csrf_token', value: 'csrf-123' },
    ])
  })
})
