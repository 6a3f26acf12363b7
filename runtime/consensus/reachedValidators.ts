/**
 * The validators a stalled height can count on now: this node; each validator whose node this
 * node reached directly (`direct`: its signed claim answered, ValidatorPresence) by whether it
 * answered within `windowMs`; and, for one never reached directly (behind relays, or not up
 * since this node started), whether a proposal or vote of its came within `windowMs`
 * (`heardAt`), though others re-send what it signed before it went down, so this counts one
 * that died at the height. Pure: the clock is `nowMs`.
 * @example reachedValidators(['0xa…', '0xb…'], self, heardAt, (v) => presence.of(v)?.reachable, now(), 10_000)
 */
export function reachedValidators(
  validators: Iterable<string>,
  self: string,
  heardAt: ReadonlyMap<string, number>,
  direct: (address: string) => boolean | undefined,
  nowMs: number,
  windowMs: number,
): Set<string> {
  const reached = new Set([self]);
  for (const address of validators) {
    if (address === self) continue;
    const answers = direct(address);
    const heard = heardAt.get(address);
    if (answers ?? (heard !== undefined && nowMs - heard < windowMs)) reached.add(address);
  }
  return reached;
}
