import { join } from 'node:path';

/** Whether this test process runs the compiled tests (`npm test`: dist/test/**.js, see ava.config.js). */
const compiled = import.meta.url.endsWith('.js');

/**
 * The node arguments that run a script of the tests (`path` from the repository root, a .ts
 * file): its compiled JavaScript in dist/ when the tests run compiled, so a child process loads
 * no TypeScript (a second or more of CPU per start), else the source through tsx.
 * @example spawn(process.execPath, [...scriptArgs('test/log/store/crashWriter.ts'), dir])
 */
export function scriptArgs(path: string): string[] {
  return compiled ? [join(process.cwd(), 'dist', path.replace(/\.ts$/, '.js'))] : ['--import=tsx', join(process.cwd(), path)];
}
