import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

/** One entry of a tar archive: a directory, a symlink, or a file from bytes or from a path on this machine. */
export type TarEntry = (
  | { readonly type: 'dir'; readonly name: string; readonly mode?: number }
  | { readonly type: 'symlink'; readonly name: string; readonly target: string }
  | { readonly type: 'file'; readonly name: string; readonly mode?: number; readonly bytes: Uint8Array }
  | { readonly type: 'file'; readonly name: string; readonly mode?: number; readonly path: string; readonly size: number }
) & {
  /** Numeric owner (user and group), 0 (root) by default: what an extraction as root sets. */
  readonly owner?: number;
};

const block = 512;
const zeros = Buffer.alloc(block * 2);

/**
 * A POSIX ustar archive of `entries`, streamed (files are read as it goes, never whole), with
 * owner root (unless an entry names another) and mtime 0 so equal inputs give equal bytes. Enough for `docker import` and
 * build contexts; names up to 255 bytes.
 * @example await docker.importImage(tarStream([{ type: 'dir', name: 'tmp', mode: 0o1777 }]))
 */
export function tarStream(entries: readonly TarEntry[]): Readable {
  return Readable.from(generate(entries), { objectMode: false });
}

async function* generate(entries: readonly TarEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    if (entry.type === 'dir') {
      yield header(entry.name.endsWith('/') ? entry.name : `${entry.name}/`, entry.mode ?? 0o755, 0, '5', '', entry.owner);
    } else if (entry.type === 'symlink') {
      yield header(entry.name, 0o777, 0, '2', entry.target, entry.owner);
    } else if ('bytes' in entry) {
      yield header(entry.name, entry.mode ?? 0o644, entry.bytes.length, '0', '', entry.owner);
      yield Buffer.from(entry.bytes);
      yield padding(entry.bytes.length);
    } else {
      yield header(entry.name, entry.mode ?? 0o644, entry.size, '0', '', entry.owner);
      let read = 0;
      for await (const chunk of createReadStream(entry.path)) {
        read += (chunk as Buffer).length;
        if (read > entry.size) throw new Error(`${entry.path} grew while it was archived`);
        yield chunk as Buffer;
      }
      if (read !== entry.size) throw new Error(`${entry.path} changed size while it was archived`);
      yield padding(entry.size);
    }
  }
  yield zeros;
}

function padding(size: number): Buffer {
  const rest = size % block;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(block - rest);
}

function header(fullName: string, mode: number, size: number, typeflag: string, linkname: string, owner = 0): Buffer {
  const buffer = Buffer.alloc(block);
  let name = fullName;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`tar: name too long: ${fullName}`);
  }
  buffer.write(name, 0, 100, 'utf8');
  buffer.write(octal(mode, 7), 100);
  buffer.write(octal(owner, 7), 108);
  buffer.write(octal(owner, 7), 116);
  buffer.write(octal(size, 11), 124);
  buffer.write(octal(0, 11), 136);
  buffer.write('        ', 148);
  buffer.write(typeflag, 156);
  buffer.write(linkname, 157, 100, 'utf8');
  buffer.write('ustar\u000000', 257);
  if (owner === 0) {
    buffer.write('root', 265);
    buffer.write('root', 297);
  }
  buffer.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of buffer) sum += byte;
  buffer.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148);
  return buffer;
}

function octal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, '0') + '\u0000';
}
