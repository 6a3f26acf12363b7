import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every module a file reaches by its import and export lines (type-only ones vanish at run time),
 * with `node module …` and `dynamic load …` entries for what a browser could not load: the
 * browser-safety tests of the proof checks walk it.
 * @example [...importGraph(file)].filter((m) => m.startsWith('node module')) // []
 */
export function importGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const [, spec] of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\bfrom\s*)?['"]([^'"]+)['"]/gm)) {
    if (spec!.startsWith('node:') || builtinModules.includes(spec!)) seen.add(`node module ${spec} (from ${file})`);
    else if (spec!.startsWith('.')) importGraph(resolve(dirname(file), spec!), seen);
    else importGraph(fileURLToPath(import.meta.resolve(spec!)), seen);
  }
  for (const [, spec] of text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g))
    seen.add(`dynamic load ${spec} (from ${file})`);
  return seen;
}
