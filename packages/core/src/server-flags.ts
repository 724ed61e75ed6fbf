/** Command-line settings that `ringkv-node` and `ringkv-router` share (parsed by their bins). */
export interface CommonServerFlags {
  maxKeyBytes?: number;
  maxValueBytes?: number;
  maxInFlightOps?: number;
  maxInFlightBytes?: number;
  maxStreamInFlightOps?: number;
  metrics?: string;
  slowRequestMs?: number;
}

/** The server options those flags set; a flag not given leaves its option at its default. */
export function commonServerOptions(f: CommonServerFlags) {
  return {
    ...(f.maxInFlightOps ? { maxInFlightOps: f.maxInFlightOps } : {}),
    ...(f.maxInFlightBytes ? { maxInFlightBytes: f.maxInFlightBytes } : {}),
    ...(f.maxStreamInFlightOps ? { maxStreamInFlightOps: f.maxStreamInFlightOps } : {}),
    limits: {
      ...(f.maxKeyBytes ? { maxKeyBytes: f.maxKeyBytes } : {}),
      ...(f.maxValueBytes ? { maxValueBytes: f.maxValueBytes } : {}),
    },
    ...(f.metrics ? { metrics: f.metrics } : {}),
    ...(f.slowRequestMs ? { slowRequestMs: f.slowRequestMs } : {}),
  };
}
