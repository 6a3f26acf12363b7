import type { ReadConcernEntry, StateCore } from './core.ts';
import { formatPath } from './path.ts';

/**
 * Records the read concern of a write (the last write of a path wins, as the serverless draft
 * says); a write without one clears it.
 */
export function recordReadConcern(core: StateCore, path: string, n: number | undefined, height: number): void {
  if ((n === undefined || n === 0) && core.readConcerns.size === 0) return;
  const before = core.readConcerns.get(path);
  if (before === undefined && (n === undefined || n === 0)) return;
  if (core.undo !== undefined) core.undo.push(() => {
    if (before === undefined) core.readConcerns.delete(path);
    else core.readConcerns.set(path, before);
  });
  if (n === undefined || n === 0) core.readConcerns.delete(path);
  else core.readConcerns.set(path, { n, height });
}

/**
 * Whether a value is recommended to read at `height`: every write on the path or above it that
 * asked for n confirmations has them (written at h, readable from h + n).
 */
export function isRecommendedToRead(readConcerns: ReadonlyMap<string, ReadConcernEntry>, labels: readonly string[], height: number): boolean {
  if (readConcerns.size === 0) return true;
  for (let depth = 0; depth <= labels.length; depth++) {
    const entry = readConcerns.get(formatPath(labels.slice(0, depth)));
    if (entry !== undefined && height < entry.height + entry.n) return false;
  }
  return true;
}
