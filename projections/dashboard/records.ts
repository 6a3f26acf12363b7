/**
 * Own-key access to the plain-JSON maps the dashboard keeps (by job, address, request id): a key
 * such as `__proto__` is data like any other, never the object's prototype, both in a fresh state
 * and in one read back with `JSON.parse`. (The reputation fold keeps its own copy: neither folder
 * reaches into the other.)
 */
export type Dict<T> = Record<string, T>;

export function own<T>(dict: Dict<T>, key: string): T | undefined {
  return Object.hasOwn(dict, key) ? dict[key] : undefined;
}

export function put<T>(dict: Dict<T>, key: string, value: T): T {
  Object.defineProperty(dict, key, { value, writable: true, enumerable: true, configurable: true });
  return value;
}

export function remove<T>(dict: Dict<T>, key: string): void {
  if (Object.hasOwn(dict, key)) delete dict[key];
}

/** Sum of two decimal strings of whole AIN, with bigint arithmetic. */
export function addAmount(amount: string, more: string | bigint): string {
  return (BigInt(amount) + BigInt(more)).toString();
}
