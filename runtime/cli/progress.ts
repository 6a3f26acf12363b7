/** Shows how far a long transfer got. */
export interface Progress {
  advance(bytes: number): void;
  done(): void;
}

export interface ProgressOptions {
  readonly label: string;
  readonly totalBytes: number | undefined;
  /** `--json`: say nothing, the machine reads stdout. */
  readonly quiet: boolean;
  readonly stream?: NodeJS.WriteStream;
  readonly now?: () => number;
}

const barCells = 30;
const redrawMs = 100;
const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

/**
 * A progress bar redrawn in place on a TTY, a plain line per quarter otherwise, nothing when quiet.
 * @example const progress = createProgress({ label: 'upload', totalBytes: size, quiet: json })
 */
export function createProgress({ label, totalBytes, quiet, stream = process.stderr, now = () => performance.now() }: ProgressOptions): Progress {
  const startMs = now();
  let doneBytes = 0;
  let lastDrawMs = -Infinity;
  let lastQuarter = 0;
  const tty = stream.isTTY === true;
  const line = () => {
    const seconds = Math.max((now() - startMs) / 1000, 1e-3);
    const rate = `${mib(doneBytes / seconds)} MiB/s`;
    if (totalBytes === undefined || totalBytes === 0) return `${label} ${mib(doneBytes)} MiB ${rate}`;
    const share = Math.min(1, doneBytes / totalBytes);
    const filled = Math.round(share * barCells);
    const bar = tty ? ` [${'#'.repeat(filled)}${'-'.repeat(barCells - filled)}]` : '';
    return `${label}${bar} ${Math.floor(share * 100)}% ${mib(doneBytes)}/${mib(totalBytes)} MiB ${rate}`;
  };
  return {
    advance(bytes) {
      doneBytes += bytes;
      if (quiet) return;
      if (tty) {
        if (now() - lastDrawMs < redrawMs) return;
        lastDrawMs = now();
        stream.write(`\r${line()}\x1b[K`);
        return;
      }
      if (totalBytes === undefined || totalBytes === 0) return;
      const quarter = Math.floor((4 * doneBytes) / totalBytes);
      if (quarter > lastQuarter && quarter < 4) {
        lastQuarter = quarter;
        stream.write(line() + '\n');
      }
    },
    done() {
      if (quiet) return;
      stream.write(tty ? `\r${line()}\x1b[K\n` : line() + '\n');
    },
  };
}
