/**
 * A Node built-in module (e.g. 'node:os'), found through process.getBuiltinModule (Node ≥ 20.16),
 * or undefined where there is none. The backend reaches node:* this way rather than by importing,
 * so that the library runs unchanged in browsers and their bundlers see no Node module.
 */
export function nodeBuiltin<T>(id: string): T | undefined {
  const nodeProcess = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return nodeProcess?.getBuiltinModule?.(id) as T | undefined;
}
