// Where a file log's records lie in its segment, for tests that cut the file as a crash would:
// each record is a frame `[u32 length][u32 crc][payload]` (log/store/framing.ts).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Frame {
  readonly start: number;
  readonly end: number;
}

/** The whole frames of a segment file, in order: frame i holds the record at offset base + i. */
export async function framesOf(path: string): Promise<Frame[]> {
  const bytes = await readFile(path);
  const frames: Frame[] = [];
  for (let at = 0; at + 8 <= bytes.length;) {
    const end = at + 8 + bytes.readUInt32LE(at);
    if (end > bytes.length) break;
    frames.push({ start: at, end });
    at = end;
  }
  return frames;
}

/** The last segment file of the log in `logDir`. */
export async function lastSegmentOf(logDir: string): Promise<string> {
  const segments = (await readdir(logDir)).filter((file) => file.endsWith('.seg')).sort();
  if (segments.length === 0) throw new Error(`no segment in ${logDir}`);
  return join(logDir, segments.at(-1)!);
}

/** Where a crash in the middle of appending a block's records (commit first, cut last) may have cut it. */
export const blockCuts = ['inside the first record', 'inside a tx', 'before the cut', 'inside the cut'] as const;
export type BlockCut = (typeof blockCuts)[number];

/**
 * The byte where the file is cut for `where`, given the block's frames, and whether that leaves a
 * torn frame (which the log cuts when it opens) or ends on a frame boundary.
 */
export function cutAt(where: BlockCut, frames: readonly Frame[]): { at: number; torn: boolean } {
  if (frames.length < 3) throw new Error(`a block of ${frames.length} records has no tx between its first record and its cut`);
  const first = frames[0]!;
  const cut = frames.at(-1)!;
  const middle = (f: Frame) => f.start + Math.floor((f.end - f.start) / 2);
  switch (where) {
    case 'inside the first record':
      return { at: middle(first), torn: true };
    case 'inside a tx':
      return { at: middle(frames[Math.max(1, Math.floor((frames.length - 1) / 2))]!), torn: true };
    case 'before the cut':
      return { at: cut.start, torn: false };
    case 'inside the cut':
      // Past the frame's header, inside the cut tx's bytes.
      return { at: cut.start + 12, torn: true };
  }
}
