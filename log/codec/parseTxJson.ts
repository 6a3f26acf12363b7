import { AinError, maxTxJsonDepth } from '../../schemas/index.ts';
import { checkJsonTextKeys, jsonTextKeyCount, jsonValueKeyCount, tooDeep } from '../json/index.ts';

/**
 * The one way the JSON text of a tx becomes a value, for txs that arrive and records read back
 * from a log alike: too deep, not JSON, or carrying a key that parsers read differently (see
 * ../json/jsonKeys.ts) is refused with an AinError (BAD_SCHEMA or BAD_JSON) before anything looks at it.
 * @example const input = parseTxJson(body) // then checkTx(input, options)
 */
export function parseTxJson(text: string): unknown {
  // Deep JSON is refused before any recursive step, so no thread's stack size decides the result.
  const textKeys = jsonTextKeyCount(text, maxTxJsonDepth);
  if (textKeys < 0) throw tooDeep();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    if (cause instanceof SyntaxError) throw new AinError('BAD_JSON', `The tx is not valid JSON: ${cause.message}.`, { cause });
    throw cause;
  }
  // Counting is a fraction of the cost of tracking every object's keys; that is done only to
  // name the path of a key that is there twice or named `__proto__` (-1).
  if (jsonValueKeyCount(value) !== textKeys) {
    checkJsonTextKeys(text);
    throw new Error(`JSON text with ${textKeys} keys parsed to ${jsonValueKeyCount(value)}, yet no key is named __proto__ or given twice`);
  }
  return value;
}
