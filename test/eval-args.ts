/**
 * The command-line arguments that make the running runtime (`process.execPath`) evaluate `script`, an ES
 * module that may import the TypeScript sources, in a fresh process: Node (and Bun, which accepts Node's
 * flags) through tsx; Deno through its own `eval`, whose sloppy imports find the sources' `.ts` files behind
 * their `.js` specifiers. Used by the tests that need a process no other test has loaded modules into.
 */
export const evalModuleArgs = (script: string): string[] =>
  'Deno' in globalThis
    ? ['eval', '--sloppy-imports', script]
    : ['--import', 'tsx', '--input-type=module', '-e', script]
