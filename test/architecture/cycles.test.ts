import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../../src', import.meta.url))

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : []
  })
}

/**
 * Module → the modules of src/ it imports. `import type` counts: a type-only cycle is erased at run time
 * but still ties two modules together, so neither can move or be understood without the other.
 */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of files) {
    // preProcessFile sees `import`, `import type`, `export … from` and `import()` with a literal.
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts'))
    graph.set(path.relative(SRC, file), [...new Set(targets.map((target) => path.relative(SRC, target)))])
  }
  return graph
}

/** Cycles by depth-first search (at least one wherever there is any), each as its modules, the first repeated at the end. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = []
  const done = new Set<string>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const visit = (module: string): void => {
    stack.push(module)
    onStack.add(module)
    for (const next of graph.get(module) ?? []) {
      if (onStack.has(next)) cycles.push([...stack.slice(stack.indexOf(next)), next])
      else if (!done.has(next)) visit(next)
    }
    stack.pop()
    onStack.delete(module)
    done.add(module)
  }
  for (const module of [...graph.keys()].sort()) if (!done.has(module)) visit(module)
  return cycles
}

describe('the import graph of src/', () => {
  it('has no cycles, type-only imports included', () => {
    const cycles = findCycles(importGraph(sourceFiles(SRC)))
    expect(cycles.map((cycle) => cycle.join(' → '))).toEqual([])
  })

  it('finds a cycle when there is one (the check itself)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ])
    expect(findCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']])
  })
})
