/**
 * Keys: how a key picks a consumer instance (hash partitioning) and how keyed state finds
 * its entry. Both must agree on every thread, so neither depends on object identity.
 */

/**
 * The identity of a key for hashing and state lookup: primitives stand for themselves;
 * objects and arrays compare by their JSON text, so `{a: 1}` built on two threads is one key.
 */
export function normalizeKey(key: unknown): unknown {
  return typeof key === 'object' && key !== null ? JSON.stringify(key) : key;
}

/** FNV-1a over UTF-16 code units: cheap, stable across threads and runs. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final avalanche, because FNV's low bits are weak for short keys that differ at the end
  // ("user1", "user2"), and the low bits are what the modulo keeps.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash >>> 0;
}

export function hashKey(key: unknown): number {
  const normalized = normalizeKey(key);
  return hashString(
    typeof normalized === 'string' ? normalized : `${typeof normalized}:${String(normalized)}`,
  );
}

/** The consumer instance, in [0, instances), that owns `key`. */
export function instanceForKey(key: unknown, instances: number): number {
  return hashKey(key) % instances;
}
