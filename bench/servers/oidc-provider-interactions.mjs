// Login and consent pages for oidc-provider, after its documented interaction example: the same steps
// and password check (Argon2id, same parameters) as Tessera's pages, without Tessera's extra CSRF token
// (oidc-provider binds the interaction with its signed cookie instead).
import argon2 from 'argon2'

function page(res, status, title, body) {
  res.statusCode = status
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`)
}

async function readForm(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/** GET /interaction/:uid, POST /interaction/:uid/login, POST /interaction/:uid/consent. */
export async function handleInteraction(provider, users, req, res) {
  const [, , uid, step] = new URL(req.url, 'http://x').pathname.split('/')
  const interaction = await provider.interactionDetails(req, res)
  if (interaction.uid !== uid) return page(res, 400, 'Error', '<p>Interaction mismatch</p>')
  const { prompt, params, session } = interaction

  if (req.method === 'GET' && step === undefined) {
    if (prompt.name === 'login') {
      return page(res, 200, 'Sign in', `<h1>Sign in</h1><form method="post" action="/interaction/${uid}/login">
<input name="username" type="text" autocomplete="username" required><input name="password" type="password" required>
<button type="submit">Sign in</button></form>`)
    }
    return page(res, 200, 'Allow access', `<h1>Allow access</h1><form method="post" action="/interaction/${uid}/consent">
<button name="decision" value="deny">Deny</button><button name="decision" value="allow">Allow</button></form>`)
  }

  if (req.method === 'POST' && step === 'login' && prompt.name === 'login') {
    const form = await readForm(req)
    const user = users.get(form.get('username') ?? '')
    const valid = user ? await argon2.verify(user.passwordHash, form.get('password') ?? '') : false
    if (!user || !valid) return page(res, 400, 'Sign in', '<p>The username or password is incorrect.</p>')
    return provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false })
  }

  if (req.method === 'POST' && step === 'consent' && prompt.name === 'consent') {
    const form = await readForm(req)
    if (form.get('decision') !== 'allow') {
      return provider.interactionFinished(req, res, { error: 'access_denied' }, { mergeWithLastSubmission: false })
    }
    const grant = interaction.grantId
      ? await provider.Grant.find(interaction.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id })
    const { details } = prompt
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '))
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims)
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '))
    const grantId = await grant.save()
    return provider.interactionFinished(req, res, { consent: interaction.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true })
  }
  return page(res, 400, 'Error', '<p>Unexpected step</p>')
}
