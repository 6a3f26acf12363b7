import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * The absolute path of `command`: as given when it has a `/` (relative to `cwd`), else the first
 * executable of that name on `searchPath` (this process's PATH; the job itself gets no environment).
 */
export function findProgram(command: string, cwd: string, searchPath = process.env.PATH ?? '/usr/bin:/bin'): string | undefined {
  if (command.includes('/')) return isAbsolute(command) ? command : resolve(cwd, command);
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
