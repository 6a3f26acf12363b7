export { jsonTextKeyCount, jsonTextTooDeep, jsonValueTooDeep, tooDeep } from './jsonDepth.ts';
export { checkJsonTextKeys, checkJsonValueKeys, jsonValueKeyCount } from './jsonKeys.ts';
