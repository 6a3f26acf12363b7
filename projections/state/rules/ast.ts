/** The AST of a rule. Every node records its depth so the interpreter's recursion is bounded. */
export type Expr =
  | { readonly t: 'lit'; readonly v: string | number | boolean | null | undefined }
  | { readonly t: 'name'; readonly n: 'auth' | 'data' | 'newData' | 'currentTime' | 'blockNumber' }
  | { readonly t: 'var'; readonly n: string }
  | { readonly t: 'member'; readonly o: Expr; readonly p: string }
  | { readonly t: 'index'; readonly o: Expr; readonly e: Expr }
  | { readonly t: 'unary'; readonly op: '!' | '-' | '+' | 'typeof'; readonly e: Expr }
  | { readonly t: 'binary'; readonly op: BinaryOp; readonly l: Expr; readonly r: Expr }
  | { readonly t: 'and' | 'or'; readonly l: Expr; readonly r: Expr }
  | { readonly t: 'cond'; readonly c: Expr; readonly a: Expr; readonly b: Expr }
  | { readonly t: 'getValue'; readonly e: Expr }
  | { readonly t: 'util'; readonly fn: UtilName; readonly args: readonly Expr[] };

export type BinaryOp = '===' | '!==' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

/** The helpers under `util.`, with how many arguments each takes. */
export const utilArity = {
  isString: 1,
  isNumber: 1,
  isInteger: 1,
  isBool: 1,
  isBoolean: 1,
  isDict: 1,
  isEmpty: 1,
  isValAddr: 1,
  length: 1,
  startsWith: 2,
  endsWith: 2,
  includes: 2,
} as const;
export type UtilName = keyof typeof utilArity;

export function isUtilName(name: string): name is UtilName {
  return Object.hasOwn(utilArity, name);
}
