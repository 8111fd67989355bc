import { readFileSync } from 'node:fs'
import { dirname, extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { defaultPageRenderer, type LogoContentType, type Messages, type PageRenderer, type UiConfig } from '../server/index.js'
import type { ConfigFile } from './config-file.js'

const LOGO_TYPES: Readonly<Record<string, LogoContentType>> = {
  '.png': 'image/png', '.svg': 'image/svg+xml', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif',
}

/** A file the configuration names, read relative to the configuration file; its failure names the key. */
function read(base: string, file: string, key: string): Buffer {
  try {
    return readFileSync(resolve(base, file))
  } catch (error) {
    throw new Error(`${key}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}

/**
 * The pages' `ui` settings from the configuration file's `branding` and `languages`: the logo, stylesheet
 * and catalogue files read once at start (relative to the file's own directory). What they contain is
 * checked by `createAuthorizationServer` like any library option.
 *
 * @example uiFromConfigFile(loadConfigFile('tessera.json'), 'tessera.json')
 */
export function uiFromConfigFile(config: ConfigFile, configPath: string | undefined): UiConfig | undefined {
  const base = configPath ? dirname(resolve(configPath)) : process.cwd()
  const { branding, languages } = config
  const theme: NonNullable<UiConfig['theme']> = {
    ...(branding?.primaryColor ? { primaryColor: branding.primaryColor } : {}),
    ...(branding?.accentColor ? { accentColor: branding.accentColor } : {}),
    ...(branding?.logoUrl ? { logoUrl: branding.logoUrl } : {}),
    ...(branding?.logo ? { logo: { contentType: LOGO_TYPES[extname(branding.logo).toLowerCase()] ?? 'image/png', body: new Uint8Array(read(base, branding.logo, 'branding.logo')) } } : {}),
    ...(branding?.stylesheet ? { stylesheet: read(base, branding.stylesheet, 'branding.stylesheet').toString('utf8') } : {}),
  }
  const catalogues: Record<string, Partial<Messages>> = {}
  for (const [tag, file] of Object.entries(languages?.catalogues ?? {})) {
    try {
      catalogues[tag] = JSON.parse(read(base, file, `languages.catalogues.${tag}`).toString('utf8')) as Partial<Messages>
    } catch (error) {
      if (error instanceof SyntaxError) throw new Error(`languages.catalogues.${tag}: ${file} is not JSON (${error.message})`)
      throw error
    }
  }
  const ui: UiConfig = {
    ...(languages?.default ? { defaultLocale: languages.default } : {}),
    ...(languages?.offered ? { locales: languages.offered } : {}),
    ...(Object.keys(catalogues).length > 0 ? { catalogues } : {}),
    ...(Object.keys(theme).length > 0 ? { theme } : {}),
  }
  return Object.keys(ui).length > 0 ? ui : undefined
}

/**
 * The page templates of the configuration file's `branding.pages`: an ES module whose default export holds
 * some `PageRenderer` methods, laid over Tessera's own. Only methods the renderer has, each a function;
 * anything else stops the start, naming the key.
 *
 * @example const pages = await pagesFromConfigFile(config, 'tessera.json') // undefined without branding.pages
 */
export async function pagesFromConfigFile(config: ConfigFile, configPath: string | undefined): Promise<PageRenderer | undefined> {
  const file = config.branding?.pages
  if (file === undefined) return undefined
  const url = pathToFileURL(resolve(configPath ? dirname(resolve(configPath)) : process.cwd(), file)).href
  let loaded: unknown
  try {
    // eslint-disable-next-line tessera/layers -- the operator's own file, outside src/: no layer to check
    loaded = ((await import(url)) as { default?: unknown }).default
  } catch (error) {
    throw new Error(`branding.pages: cannot load ${file} (${(error as Error).message})`)
  }
  if (typeof loaded !== 'object' || loaded === null) throw new Error(`branding.pages: ${file} must export default an object of page methods (login, consent, error …)`)
  const pages: PageRenderer = { ...defaultPageRenderer }
  for (const [name, method] of Object.entries(loaded)) {
    if (!Object.hasOwn(defaultPageRenderer, name)) throw new Error(`branding.pages: ${file} exports ${name}, which is no page (${Object.keys(defaultPageRenderer).join(', ')})`)
    if (typeof method !== 'function') throw new Error(`branding.pages: ${file} exports ${name}, which is not a function`)
    Object.assign(pages, { [name]: method })
  }
  return pages
}
