/** Default maximum key size in bytes (4 KiB); configurable on nodes and routers. */
export const DEFAULT_MAX_KEY_BYTES = 4 * 1024;
/** Default maximum value size in bytes (4 MiB); configurable on nodes and routers. */
export const DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;
/** gRPC message ceiling on every server and client: a full batch plus headroom. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Virtual nodes per unit of weight (max/mean load about 1.1 at 10 shards). */
export const DEFAULT_VNODES_PER_WEIGHT = 256;
/** Largest scan page a router returns. */
export const MAX_SCAN_LIMIT = 10_000;
/** Largest weight of one shard (a weight is a multiple of the default share of the ring). */
export const MAX_SHARD_WEIGHT = 1000;
/** Most virtual nodes on one ring (members' weights times vnodesPerWeight): bounds a map's memory. */
export const MAX_RING_TOKENS = 1 << 22;
