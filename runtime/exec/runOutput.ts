import { StringDecoder } from 'node:string_decoder';

import type { RunEvent } from '../../schemas/index.ts';

/** Longest stderr line passed on as one event; the rest of a longer line is cut. */
const lineBytesMax = 4096;
/** Bytes of stderr kept for the result's tail. */
const tailBytesMax = 4096;
const progressLine = /^\s*\{\s*"progress"\s*:/;

/** Collects a job's stdout (the reply) and stderr (log, progress, tail) within `outputBytesMax`. */
export interface RunOutput {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
  /** Call once both streams ended: flushes a last unterminated stderr line. */
  end(): void;
  readonly stdoutText: () => string;
  readonly stdoutBytes: () => number;
  readonly stderrTail: () => string;
  readonly overLimit: () => boolean;
}

export interface RunOutputInit {
  readonly outputBytesMax: number;
  readonly onEvent: (event: RunEvent) => void;
  /** Called once, when stdout and stderr together pass `outputBytesMax`. */
  readonly onLimit: () => void;
}

/**
 * Bounded collection of a job's output: stdout up to the limit, stderr split into lines that
 * become `log` events, or `progress` events when a line is JSON `{"progress": 0..1, "message"?}`.
 */
export function createRunOutput({ outputBytesMax, onEvent, onLimit }: RunOutputInit): RunOutput {
  const stdoutChunks: Buffer[] = [];
  let stdoutBytes = 0;
  let totalBytes = 0;
  let over = false;
  let partial = '';
  let tail = '';
  // A chunk may end inside a UTF-8 character; the decoder keeps its first bytes for the next.
  const decoder = new StringDecoder('utf8');

  const count = (chunk: Buffer): Buffer | undefined => {
    if (over) return undefined;
    const room = outputBytesMax - totalBytes;
    totalBytes += chunk.length;
    if (chunk.length <= room) return chunk;
    over = true;
    onLimit();
    return room > 0 ? chunk.subarray(0, room) : undefined;
  };
  const emitLine = (line: string): void => {
    const cut = line.length > lineBytesMax ? line.slice(0, lineBytesMax) : line;
    onEvent(progressLine.test(cut) ? (parseProgress(cut) ?? { type: 'log', stream: 'stderr', line: cut }) : { type: 'log', stream: 'stderr', line: cut });
  };

  return {
    stdout(chunk) {
      const kept = count(chunk);
      if (kept === undefined) return;
      stdoutChunks.push(kept);
      stdoutBytes += kept.length;
    },
    stderr(chunk) {
      const kept = count(chunk);
      if (kept === undefined) return;
      const text = decoder.write(kept);
      tail = (tail + text).slice(-tailBytesMax);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > lineBytesMax) {
        lines.push(partial);
        partial = '';
      }
      for (const line of lines) emitLine(line);
    },
    end() {
      partial += decoder.end();
      if (partial !== '') emitLine(partial);
      partial = '';
    },
    stdoutText: () => Buffer.concat(stdoutChunks).toString('utf8'),
    stdoutBytes: () => stdoutBytes,
    stderrTail: () => tail,
    overLimit: () => over,
  };
}

function parseProgress(line: string): RunEvent | undefined {
  try {
    const value = JSON.parse(line) as { progress?: unknown; message?: unknown };
    if (typeof value.progress !== 'number' || !(value.progress >= 0 && value.progress <= 1)) return undefined;
    return typeof value.message === 'string'
      ? { type: 'progress', fraction: value.progress, message: value.message.slice(0, lineBytesMax) }
      : { type: 'progress', fraction: value.progress };
  } catch {
    return undefined;
  }
}
