import type { NextConfig } from 'next'

const config: NextConfig = {
  // The example is type-checked by `tsc --noEmit` (npm run typecheck, and in Tessera's tests): the build need not do it again.
  typescript: { ignoreBuildErrors: true },
}

export default config
