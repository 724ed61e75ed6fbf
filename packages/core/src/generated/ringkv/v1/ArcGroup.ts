// Original file: proto/ringkv/v1/admin.proto


/**
 * Arcs that share one preference list (replicas in order).
 */
export interface ArcGroup {
  'replicas'?: (string)[];
  /**
   * The first in-sync replica; empty if none is in sync.
   */
  'primary'?: (string);
  'inSync'?: (string)[];
  'arcs'?: (number);
  /**
   * Fraction of the hash space.
   */
  'fraction'?: (number | string);
  /**
   * Fewer in-sync replicas than the replication factor asks for.
   */
  'underReplicated'?: (boolean);
}

/**
 * Arcs that share one preference list (replicas in order).
 */
export interface ArcGroup__Output {
  'replicas': (string)[];
  /**
   * The first in-sync replica; empty if none is in sync.
   */
  'primary': (string);
  'inSync': (string)[];
  'arcs': (number);
  /**
   * Fraction of the hash space.
   */
  'fraction': (number);
  /**
   * Fewer in-sync replicas than the replication factor asks for.
   */
  'underReplicated': (boolean);
}
