import { readdir, stat } from 'node:fs/promises';

/**
 * The nodes (`n1`, `n2` …) of a network `ain net init` wrote in `dir` (it holds `owner.key` beside
 * them, or `branch.json` for a shard's), in order; none when `dir` is no such directory.
 * @example const nodes = await netNodesIn('net'); // ['n1', 'n2', 'n3', 'n4']
 */
export async function netNodesIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  if (!names.includes('owner.key') && !names.includes('branch.json')) return [];
  return names.filter((name) => /^n[0-9]+$/.test(name)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

/** Whether `path` is a directory (false when it is missing or a file): what a refusal of a network's directory says. */
export const isDirectory = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
