/**
 * Message ids seen recently, like gossipsub's seen cache: an id is remembered for `ttlMs`, and at
 * most `maxEntries` ids are held (the oldest go first), so memory stays bounded under a flood.
 */
export interface SeenCache {
  /** True when `id` was seen within the ttl; otherwise remembers it and returns false. */
  seen(id: string): boolean;
  has(id: string): boolean;
}

export function createSeenCache({ ttlMs, maxEntries, now }: { ttlMs: number; maxEntries: number; now: () => number }): SeenCache {
  const expiries = new Map<string, number>(); // insertion order is expiry order: the ttl is one for all
  const evict = (at: number) => {
    for (const [id, expiresAt] of expiries) {
      if (expiresAt > at && expiries.size <= maxEntries) break;
      expiries.delete(id);
    }
  };
  const has = (id: string) => {
    evict(now());
    return expiries.has(id);
  };
  return {
    has,
    seen(id) {
      if (has(id)) return true;
      expiries.set(id, now() + ttlMs);
      evict(now());
      return false;
    },
  };
}
