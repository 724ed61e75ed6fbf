// No imports: `ringkv health` loads this without the rest of core (its protos are slow to load).

/**
 * grpc-js sets the TLS server name to the target host even when it is an IP address, and
 * Node.js then warns (DEP0123) on stderr. Connecting to 127.0.0.1 with an IP SAN is fine;
 * programs (not libraries) call this to drop that one warning.
 */
export function silenceIpServernameWarning(): void {
  const emit = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    if (rest.includes('DEP0123') || (typeof rest[0] === 'object' && (rest[0] as { code?: string } | null)?.code === 'DEP0123')) return;
    return (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
}
