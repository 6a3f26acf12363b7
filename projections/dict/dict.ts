/**
 * Own-key access to the plain-JSON maps the job projections keep (by job, address, request id):
 * a key such as `__proto__` is data like any other, never the object's prototype, both in a fresh
 * state and in one read back with `JSON.parse`. Shared by the reputation and dashboard folds.
 */
export type Dict<T> = Record<string, T>;

export function ownEntry<T>(dict: Dict<T>, key: string): T | undefined {
  return Object.hasOwn(dict, key) ? dict[key] : undefined;
}

export function putEntry<T>(dict: Dict<T>, key: string, value: T): T {
  Object.defineProperty(dict, key, { value, writable: true, enumerable: true, configurable: true });
  return value;
}

export function removeEntry<T>(dict: Dict<T>, key: string): void {
  if (Object.hasOwn(dict, key)) delete dict[key];
}

/** Inserts into an ascending array of strings, once; returns whether it was added. */
export function insertSorted(list: string[], item: string): boolean {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]! < item) low = middle + 1;
    else high = middle;
  }
  if (list[low] === item) return false;
  list.splice(low, 0, item);
  return true;
}

/** Removes from an ascending array of strings; returns whether it was there. */
export function removeSorted(list: string[], item: string): boolean {
  const at = list.indexOf(item);
  if (at < 0) return false;
  list.splice(at, 1);
  return true;
}

/** Sum of two decimal strings of whole AIN, with bigint arithmetic. */
export function addAmount(amount: string, more: string | bigint): string {
  return (BigInt(amount) + BigInt(more)).toString();
}
