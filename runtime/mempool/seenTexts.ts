/**
 * Digests of tx texts seen lately, in two generations: when the young one is full it becomes the
 * old one and the old one is dropped, so between `max` and twice that are remembered.
 */
export class SeenTexts {
  #young = new Set<string>();
  #old = new Set<string>();

  constructor(private readonly max: number) {}

  has(digest: string): boolean {
    return this.#young.has(digest) || this.#old.has(digest);
  }

  /** Remembers a digest; false when it was remembered already. */
  add(digest: string): boolean {
    if (this.has(digest)) return false;
    if (this.#young.size >= this.max) {
      this.#old = this.#young;
      this.#young = new Set();
    }
    this.#young.add(digest);
    return true;
  }

  delete(digest: string): void {
    this.#young.delete(digest);
    this.#old.delete(digest);
  }
}
