import { Buffer } from 'node:buffer';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { AinError } from '../../schemas/index.ts';
import { dirname, join } from 'node:path';

/** A browser module the page imports by a bare name (the import map's key), and where npm installed it. */
interface VendorFile {
  /** The file's name in the vendor folder, `/vendor/<name>`. */
  readonly name: string;
  /** The package file it is copied from. */
  readonly from: string;
  /** Appended to the copy: uPlot ships a minified script, made a module by exporting its global. */
  readonly suffix?: string;
}

const nobleHashes = ['sha2.js', 'utils.js', '_md.js', '_u64.js'];

/** What the page loads from npm packages: ESM files, no bundler. */
export const vendorFiles: readonly VendorFile[] = [
  { name: 'preact.mjs', from: 'preact/dist/preact.mjs' },
  { name: 'preact-hooks.mjs', from: 'preact/hooks/dist/hooks.mjs' },
  { name: 'htm.mjs', from: 'htm/dist/htm.mjs' },
  { name: 'signals.mjs', from: '@preact/signals/dist/signals.mjs' },
  { name: 'signals-core.mjs', from: '@preact/signals-core/dist/signals-core.mjs' },
  { name: 'uplot.mjs', from: 'uplot/dist/uPlot.iife.min.js', suffix: '\nexport default uPlot;\n' },
  { name: 'uplot.css', from: 'uplot/dist/uPlot.min.css' },
  { name: 'canonicalize.mjs', from: 'canonicalize/lib/canonicalize.js' },
  ...nobleHashes.map((file) => ({ name: `noble-hashes/${file}`, from: `@noble/hashes/${file}` })),
];

/** The import map of index.html: bare names to the vendored files. */
export const importMap = {
  imports: {
    preact: '/vendor/preact.mjs',
    'preact/hooks': '/vendor/preact-hooks.mjs',
    htm: '/vendor/htm.mjs',
    '@preact/signals': '/vendor/signals.mjs',
    '@preact/signals-core': '/vendor/signals-core.mjs',
    uplot: '/vendor/uplot.mjs',
    canonicalize: '/vendor/canonicalize.mjs',
    '@noble/hashes/': '/vendor/noble-hashes/',
  },
} as const;

const require = createRequire(import.meta.url);

/** Where npm put a package file (`preact/dist/preact.mjs`), found by its folder so `exports` maps do not hide it. */
function packageFile(spec: string): string {
  const parts = spec.split('/');
  const pkg = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  for (const modules of require.resolve.paths(pkg) ?? []) {
    const file = join(modules, spec);
    if (existsSync(join(modules, pkg, 'package.json')) && existsSync(file)) return file;
  }
  throw new AinError('INTERNAL', `The dashboard needs ${spec} from npm, and it is not installed here: run npm install.`);
}

/**
 * Copies the page's browser modules from node_modules into `dir` (those missing or changed), so
 * the node serves them itself: a dashboard works offline, with no CDN and no build step. When
 * `dir` cannot be written (a read-only install), a folder under the system's temp dir is used.
 * Returns the folder that holds them.
 * @example const dir = vendorBrowserFiles('web/vendor') // …/web/vendor
 */
export function vendorBrowserFiles(dir: string): string {
  try {
    copyInto(dir);
    return dir;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A read-only root (a node's container) may say ENOENT for a folder it cannot make.
    if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM' && code !== 'ENOENT') throw error;
    const fallback = join(tmpdir(), `ain-vendor-${process.getuid?.() ?? 'user'}`);
    copyInto(fallback);
    return fallback;
  }
}

function copyInto(dir: string): void {
  for (const { name, from, suffix } of vendorFiles) {
    const source = packageFile(from);
    const target = join(dir, name);
    // npm stamps every package file with one old mtime: the bytes say whether a copy is stale.
    const bytes = suffix === undefined ? readFileSync(source) : Buffer.from(readFileSync(source, 'utf8') + suffix);
    if (existsSync(target) && existsSync(`${target}.gz`) && readFileSync(target).equals(bytes)) continue;
    mkdirSync(dirname(target), { recursive: true });
    // Served to browsers that take gzip (all of them), so the page's JS crosses the wire compressed.
    writeAtomically(`${target}.gz`, gzipSync(bytes, { level: 9 }));
    writeAtomically(target, bytes);
  }
}

/** Nodes started together (`ain up`'s validators) vendor into one folder: none ever serves a half-written file. */
function writeAtomically(file: string, bytes: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, file);
}
