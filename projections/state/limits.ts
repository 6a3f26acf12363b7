/**
 * Every bound the state tree keeps (TigerBeetle style: a limit on everything that can grow).
 * The defaults suit txs of a few KiB; a genesis file is loaded with the same checks.
 */
export interface StateLimits {
  /** Characters of one label. */
  readonly labelCharsMax: number;
  /** Characters of a path string. */
  readonly pathCharsMax: number;
  /** Labels from the root to the deepest node a write creates (path plus value nesting). */
  readonly depthMax: number;
  /** Nodes one written value may hold. */
  readonly valueNodesMax: number;
  /** Characters of one string value. */
  readonly stringCharsMax: number;
  /** Characters of a rule's source. */
  readonly ruleCharsMax: number;
  /** AST nesting of a rule. */
  readonly ruleDepthMax: number;
  /** AST nodes of a rule. */
  readonly ruleNodesMax: number;
  /**
   * Steps one rule evaluation may take: a step is one AST node visited, or `evalCharsPerStep`
   * characters of string work, so the budget bounds time as well as nodes.
   */
  readonly evalStepsMax: number;
  /** Characters a rule may read, compare, search or join for the price of one step. */
  readonly evalCharsPerStep: number;
  /** `getValue` calls while evaluating one rule. */
  readonly evalReadsMax: number;
  /** Characters of a string a rule builds with `+`. */
  readonly evalStringCharsMax: number;
  /** Function ids at one path. */
  readonly functionsPerPathMax: number;
  /** Entries in one owner config. */
  readonly ownersPerPathMax: number;
  /** Functions one value write may fire (more: TOO_LARGE). */
  readonly triggersPerOpMax: number;
  /** Value nodes one write may visit, compare and copy to find and fill its triggers (more: TOO_LARGE). */
  readonly triggerScanNodesMax: number;
}

export const defaultLimits: StateLimits = Object.freeze({
  labelCharsMax: 150,
  pathCharsMax: 1024,
  depthMax: 32,
  valueNodesMax: 10_000,
  stringCharsMax: 65_536,
  ruleCharsMax: 4096,
  ruleDepthMax: 64,
  ruleNodesMax: 1024,
  evalStepsMax: 2048,
  evalCharsPerStep: 64,
  evalReadsMax: 32,
  evalStringCharsMax: 65_536,
  functionsPerPathMax: 16,
  ownersPerPathMax: 64,
  triggersPerOpMax: 256,
  triggerScanNodesMax: 100_000,
});
