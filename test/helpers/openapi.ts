import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import formats from 'ajv-formats'

/** A response as a test received it, with its body read once. */
export interface ReceivedResponse {
  status: number
  headers: Headers
  text: string
}

/** One operation of the document: how a test can call it. */
export interface DocumentedOperation {
  id: string
  method: string
  /** Path template below the server URL: `/clients/{client_id}`. */
  path: string
  /** Scopes of its security requirements; empty for a public operation. */
  scopes: string[]
}

type Json = Record<string, unknown>
const escape = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1')
const DOCUMENT_ID = 'https://tessera.test/admin/v1/openapi.json'

/**
 * An OpenAPI 3.1 document as served, to check responses against: `check` finds the operation by method
 * and path template, the response by status, and validates the body (JSON Schema 2020-12, ajv) and the
 * content type; `exercised` remembers which operations were seen, so a suite can prove it called all.
 */
export class OpenApiDocument {
  readonly exercised = new Set<string>()
  private readonly ajv: Ajv2020
  private readonly validators = new Map<string, ValidateFunction>()

  private constructor(readonly document: Json, private readonly prefix: string) {
    this.ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true })
    formats.default(this.ajv)
    this.ajv.addSchema({ ...document, $id: DOCUMENT_ID })
  }

  /** The document served at `url`, for responses of URLs below `serverUrl`. */
  static async fetch(url: string, serverUrl: string): Promise<OpenApiDocument> {
    const response = await fetch(url)
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`)
    return new OpenApiDocument((await response.json()) as Json, new URL(serverUrl).pathname.replace(/\/$/, ''))
  }

  operations(): DocumentedOperation[] {
    const operations: DocumentedOperation[] = []
    for (const [path, item] of Object.entries(this.document.paths as Record<string, Record<string, Json>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const security = (operation.security as Array<Record<string, string[]>> | undefined) ?? []
        operations.push({ id: String(operation.operationId), method: method.toUpperCase(), path, scopes: security.flatMap((requirement) => Object.values(requirement).flat()) })
      }
    }
    return operations
  }

  /** The operation of `method` at `url`, or undefined. */
  find(method: string, url: string): { operation: DocumentedOperation; template: string } | undefined {
    const path = new URL(url).pathname
    if (!path.startsWith(`${this.prefix}/`)) return undefined
    const rest = path.slice(this.prefix.length)
    for (const operation of this.operations()) {
      if (operation.method !== method) continue
      const pattern = new RegExp(`^${operation.path.replace(/\{[^}]+\}/g, '[^/]+')}$`)
      if (pattern.test(rest)) return { operation, template: operation.path }
    }
    return undefined
  }

  /** Throws unless the response is one the document describes for this operation, with a valid body. */
  check(method: string, url: string, response: ReceivedResponse): void {
    const found = this.find(method === 'HEAD' ? 'GET' : method, url)
    if (!found) throw new Error(`no operation ${method} ${url} in the document`)
    const { operation, template } = found
    this.exercised.add(operation.id)
    const responses = ((this.document.paths as Record<string, Record<string, Json>>)[template]?.[method.toLowerCase()]?.responses ?? {}) as Record<string, Json>
    const described = responses[String(response.status)]
    if (!described) throw new Error(`${operation.id} does not document status ${response.status}: ${response.text.slice(0, 300)}`)
    const content = described.content as Record<string, Json> | undefined
    if (!content) {
      if (response.text !== '') throw new Error(`${operation.id} ${response.status} has no body in the document, got ${response.text.slice(0, 200)}`)
      return
    }
    const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? ''
    if (response.status === 401 && response.text === '') {
      // RFC 6750 §3.1: a request without a token gets the challenge and no error (nor body).
      if (!response.headers.get('www-authenticate')) throw new Error(`${operation.id} 401 without a challenge`)
      return
    }
    if (!(type in content)) throw new Error(`${operation.id} ${response.status}: content type ${type} not in ${Object.keys(content).join(', ')}`)
    const pointer = `#/paths/${escape(template)}/${method.toLowerCase()}/responses/${response.status}/content/${escape(type)}/schema`
    let validate = this.validators.get(pointer)
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}${pointer}` })
      this.validators.set(pointer, validate)
    }
    const body: unknown = JSON.parse(response.text)
    if (!validate(body)) throw new Error(`${operation.id} ${response.status} does not match the document: ${this.ajv.errorsText(validate.errors)}\n${response.text.slice(0, 500)}`)
    // A 403 problem (a user who is not an administrator) has no challenge: no other token of theirs would do.
    if ((response.status === 401 || (response.status === 403 && type !== 'application/problem+json')) && !response.headers.get('www-authenticate')) throw new Error(`${operation.id} ${response.status} without a challenge`)
  }
}
