import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';

/** Import and export lines of a source module (type-only ones vanish when types are stripped). */
const sourceImports = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\bfrom\s*)?['"]([^'"]+)['"]/gm;
/** Imports in a vendored (often minified) module: `from"./x.js"`, `import"./y.js"`. */
const vendorImports = /(?:\bfrom|\bimport)\s*["']([^"']+)["']/g;

/** The page's modules: its own, by path from the root (served at `/app/<path>`), and the vendored ones, by URL. */
export interface PageModules {
  readonly app: readonly string[];
  readonly vendor: readonly string[];
}

/** Where the import map sends a bare name (`preact`, `@noble/hashes/sha2.js`), or undefined. */
function mapped(imports: Readonly<Record<string, string>>, spec: string): string | undefined {
  if (imports[spec] !== undefined) return imports[spec];
  const prefix = Object.keys(imports).find((key) => key.endsWith('/') && spec.startsWith(key));
  return prefix === undefined ? undefined : imports[prefix] + spec.slice(prefix.length);
}

/**
 * Every module the page loads, from its entry by imports: the page's own by relative ones, the
 * vendored files by the import map's names and their own relative imports. The node lists them
 * in index.html as `modulepreload` links, so the browser fetches them all at once instead of one
 * level of imports after another.
 * @example pageModules(root, 'web/app/main.ts', importMap.imports, vendorDir).app // ['web/app/main.ts', …]
 */
export function pageModules(rootDir: string, entry: string, imports: Readonly<Record<string, string>>, vendorDir: string): PageModules {
  const app = new Set<string>();
  const vendor = new Set<string>();
  const addVendor = (url: string) => {
    const file = join(vendorDir, url.slice('/vendor/'.length));
    // A name in a comment (an example of another of the package's files) is no import: only vendored files count.
    if (vendor.has(url) || !url.startsWith('/vendor/') || !existsSync(file)) return;
    vendor.add(url);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(vendorImports)) {
      const target = spec!.startsWith('.') ? posix.join(posix.dirname(url), spec!) : mapped(imports, spec!);
      if (target !== undefined) addVendor(target);
    }
  };
  const addApp = (path: string) => {
    if (app.has(path)) return;
    app.add(path);
    const file = join(rootDir, path);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(sourceImports)) {
      if (spec!.startsWith('.'))
        addApp(
          relative(rootDir, join(dirname(file), spec!))
            .split(sep)
            .join('/'),
        );
      else {
        const url = mapped(imports, spec!);
        if (url !== undefined) addVendor(url);
      }
    }
  };
  addApp(entry);
  return { app: [...app], vendor: [...vendor] };
}
