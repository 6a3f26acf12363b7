// Own-key access to the plain-JSON maps the read models keep (by job, address, request id).
export { addAmount, insertSorted, ownEntry, putEntry, removeEntry, removeSorted, type Dict } from './dict.ts';
