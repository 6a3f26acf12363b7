const idle = Symbol('idle');

/**
 * Groups what an async iterator yields into batches of what is ready now (at most `batchMax`):
 * a batch closes when the next item would have to be waited for.
 */
export async function* inBatches<T>(source: AsyncIterable<T>, batchMax: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending = iterator.next();
  for (;;) {
    const first = await pending;
    if (first.done === true) return;
    const batch = [first.value];
    pending = iterator.next();
    while (batch.length < batchMax) {
      const next = await Promise.race([pending, new Promise<typeof idle>((resolve) => setImmediate(resolve, idle))]);
      if (next === idle) break;
      if (next.done === true) {
        yield batch;
        return;
      }
      batch.push(next.value);
      pending = iterator.next();
    }
    yield batch;
  }
}
