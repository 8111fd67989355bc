// /auth/login, /auth/callback/tessera, /auth/logout and /auth/backchannel-logout.
import { auth } from '@/lib/auth'

export const { GET, POST } = auth.handlers
