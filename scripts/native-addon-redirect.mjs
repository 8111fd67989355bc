// Preloaded (`node --import`, through NODE_OPTIONS) when the suites run on a Node version other than the one
// node_modules was installed with (scripts/node-versions.mjs). Native addons built for another ABI cannot be
// loaded, and node_modules must stay usable by that Node: so the addon that better-sqlite3 loads from
// node_modules is swapped, at `process.dlopen`, for the copy built for this Node under .tmp/node-versions/.
// TESSERA_NATIVE_ADDONS is a JSON object: addon file name (`better_sqlite3.node`) → path of the rebuilt file.
import { basename } from 'node:path'

const redirects = JSON.parse(process.env.TESSERA_NATIVE_ADDONS || '{}')
const dlopen = process.dlopen
process.dlopen = function redirectedDlopen(module, filename, ...rest) {
  const replacement = redirects[basename(String(filename))]
  return dlopen.call(this, module, replacement ?? filename, ...rest)
}
