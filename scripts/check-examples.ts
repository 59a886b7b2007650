/**
 * Lists every export of the package (what its entry points export: src/index.ts and the subpaths named in
 * package.json's `tshy.exports`) whose TSDoc has no `@example` (a type that only lists literal values needs none), as `file: name`, checked where it is
 * declared; `--all` also checks the exports that modules of src/ share only among themselves. Exit status 1
 * when any lacks one.
 *
 * Usage: npx tsx scripts/check-examples.ts [--all]
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const src = fileURLToPath(new URL('../src/', import.meta.url))
const files = readdirSync(src)
  .filter((name) => /\.c?ts$/.test(name) && !name.endsWith('.d.ts'))
  .map((name) => join(src, name))
const program = ts.createProgram(files, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  noEmit: true,
})
const checker = program.getTypeChecker()

const all = process.argv.includes('--all')
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  tshy: { exports: Record<string, string> }
}
const entries = new Set(
  Object.values(manifest.tshy.exports)
    .filter((path) => path.startsWith('./src/'))
    .map((path) => join(src, path.slice('./src/'.length))),
)
const hasExample = (symbol: ts.Symbol): boolean =>
  (symbol.getDeclarations() ?? []).some((declaration) =>
    ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'example'),
  )
// A type that only lists literal values (`'master' | 'replica'`) says all an example would: it needs none.
const isLiteralUnion = (node: ts.TypeNode): boolean =>
  ts.isLiteralTypeNode(node) || (ts.isUnionTypeNode(node) && node.types.every(isLiteralUnion))
const needsExample = (symbol: ts.Symbol): boolean =>
  !(symbol.getDeclarations() ?? []).every(
    (declaration) => ts.isTypeAliasDeclaration(declaration) && isLiteralUnion(declaration.type),
  )
const where = (symbol: ts.Symbol): string => {
  const declaration = symbol.getDeclarations()?.[0]
  return declaration === undefined ? '?' : `src/${declaration.getSourceFile().fileName.slice(src.length)}`
}

const missing = new Set<string>()
for (const file of files.sort()) {
  if (!all && !entries.has(file)) continue
  const source = program.getSourceFile(file)
  const module = source === undefined ? undefined : checker.getSymbolAtLocation(source)
  if (source === undefined || module === undefined) continue
  for (const exported of checker.getExportsOfModule(module)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    // With --all, each module's own declarations; re-exports are checked where declared.
    if (all && symbol !== exported) continue
    if (needsExample(symbol) && !hasExample(symbol)) missing.add(`${where(symbol)}: ${exported.getName()}`)
  }
}
for (const entry of missing) console.log(entry)
console.error(`${missing.size} export(s) without an @example`)
process.exitCode = missing.size === 0 ? 0 : 1
