// A server component: the session is read from the request's cookies; tokens never reach the browser.
import { appUrl, auth } from '@/lib/auth'

async function callApi(fetchWithToken: (url: string) => Promise<Response>): Promise<string> {
  // The session's access token (refreshed ahead of expiry) sent to the app's own protected route handler.
  const response = await fetchWithToken(`${appUrl()}/api/me`)
  return response.ok ? JSON.stringify(await response.json(), null, 2) : `The API answered ${response.status}`
}

export default async function Home() {
  const session = await auth.getSession()
  if (!session) {
    return (
      <main>
        <h1>Tessera + Next.js</h1>
        <p>
          {/* A plain link: the login is a route handler that redirects to Tessera, not a page to prefetch. */}
          <a href="/auth/login?returnTo=/">Log in with Tessera</a>
        </p>
      </main>
    )
  }
  const { user } = session
  return (
    <main>
      <h1>Hello, {user.name ?? user.preferred_username ?? user.sub}</h1>
      <p>
        Signed in with <code>{user.issuer}</code> as <code id="sub">{user.sub}</code>
        {user.email ? <> ({user.email})</> : null}.
      </p>
      <h2>/api/me with your access token</h2>
      <pre id="api-me">{await callApi(session.fetch)}</pre>
      {/* POST, so that no link, prefetch or image on another site can sign the user out. */}
      <form method="post" action="/auth/logout">
        <button type="submit">Log out</button>
      </form>
    </main>
  )
}
