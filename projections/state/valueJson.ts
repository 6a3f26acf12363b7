import { isEmptyNode } from './trie.ts';
import type { ValueNode } from './value.ts';

/** UTF-8 bytes of a string (a lone surrogate counts as the 3 bytes of its replacement). */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Pieces of JSON text that stop growing once past their budget. */
class BoundedText {
  readonly #parts: string[] = [];
  #bytes = 0;

  constructor(readonly bytesMax: number) {}

  get bytes(): number {
    return this.#bytes;
  }

  /** False once the text has grown past `bytesMax`. */
  add(text: string): boolean {
    this.#bytes += utf8Bytes(text);
    this.#parts.push(text);
    return this.#bytes <= this.bytesMax;
  }

  toString(): string {
    return this.#parts.join('');
  }
}

function writeValue(node: ValueNode, out: BoundedText): boolean {
  if (node.payload !== undefined) return out.add(JSON.stringify(node.payload));
  if (!out.add('{')) return false;
  let first = true;
  for (const label of [...node.children!.keys()].sort()) {
    const child = node.children!.get(label)!;
    if (isEmptyNode(child)) continue;
    if (!out.add(`${first ? '' : ','}${JSON.stringify(label)}:`) || !writeValue(child, out)) return false;
    first = false;
  }
  return out.add('}');
}

/**
 * The JSON text of a node's value, as `JSON.stringify(toJson(node))` writes it (keys sorted, `null`
 * for nothing), or undefined as soon as it passes `bytesMax` UTF-8 bytes: reading a subtree too
 * large to answer costs the bound, not the subtree.
 * @example valueJson(node, 1 << 20) // '{"a":1,"b":{"c":"x"}}'
 */
export function valueJson(node: ValueNode | undefined, bytesMax: number): string | undefined {
  const out = new BoundedText(bytesMax);
  const fits = node === undefined || isEmptyNode(node) ? out.add('null') : writeValue(node, out);
  return fits ? out.toString() : undefined;
}

/** One page of an object's children: a JSON object of some of its keys, in label order. */
export interface ValuePage {
  /** The JSON text of the page: an object of the page's keys, the leaf itself, or `null`. */
  readonly json: string;
  /** The last key of this page when more keys follow it (the cursor of the next page), else null. */
  readonly next: string | null;
}

/** A page that cannot be given: the value of its first key (or a leaf value itself, key null) alone passes the page's bytes. */
export interface PageTooLarge {
  readonly tooLarge: true;
  readonly key: string | null;
}

/** The `count` smallest labels above `after` (all when `after` is undefined), sorted: a bounded max-heap over one pass. */
export function smallestLabelsAfter(labels: Iterable<string>, after: string | undefined, count: number): string[] {
  const heap: string[] = [];
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j]!, heap[i]!]);
  for (const label of labels) {
    if (after !== undefined && label <= after) continue;
    if (heap.length < count) {
      heap.push(label);
      for (let i = heap.length - 1; i > 0 && heap[(i - 1) >> 1]! < heap[i]!; i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
    } else if (count > 0 && label < heap[0]!) {
      heap[0] = label;
      for (let i = 0; ;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let top = i;
        if (left < heap.length && heap[left]! > heap[top]!) top = left;
        if (right < heap.length && heap[right]! > heap[top]!) top = right;
        if (top === i) break;
        swap(i, top);
        i = top;
      }
    }
  }
  return heap.sort();
}

/**
 * A page of the value at a node: its keys after `after`, in label order (the order `valueJson`
 * writes them), at most `keysMax` of them and `bytesMax` bytes of JSON. A leaf or nothing is one
 * page. Every key that stays in the value while it is paged comes in exactly one page.
 * @example pageJson(node, { keysMax: 2, bytesMax: 1 << 20 }) // { json: '{"a":1,"b":2}', next: 'b' }
 */
export function pageJson(
  node: ValueNode | undefined,
  { after, keysMax, bytesMax }: { after?: string; keysMax: number; bytesMax: number },
): ValuePage | PageTooLarge {
  if (node === undefined || isEmptyNode(node) || node.payload !== undefined) {
    const json = valueJson(node, bytesMax);
    // A leaf is one string of bounded length; only a tiny bytesMax refuses one.
    return json === undefined ? { tooLarge: true, key: null } : { json, next: null };
  }
  const children = node.children!;
  const labels = smallestLabelsAfter(children.keys(), after, keysMax + 1);
  const out = new BoundedText(bytesMax);
  out.add('{');
  let lastGiven: string | undefined;
  for (const label of labels.slice(0, keysMax)) {
    const child = children.get(label)!;
    if (isEmptyNode(child)) continue;
    const key = `${lastGiven === undefined ? '' : ','}${JSON.stringify(label)}:`;
    // Room for this key and the closing brace.
    const json = valueJson(child, bytesMax - out.bytes - utf8Bytes(key) - 1);
    if (json === undefined) {
      if (lastGiven === undefined) return { tooLarge: true, key: label };
      out.add('}');
      return { json: out.toString(), next: lastGiven };
    }
    out.add(key + json);
    lastGiven = label;
  }
  out.add('}');
  return { json: out.toString(), next: labels.length > keysMax ? labels[keysMax - 1]! : null };
}
