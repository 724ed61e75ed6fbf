import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { parseHostPort, formatHostPort } from './address.js';
import { ErrorCode, RingKvError } from './errors.js';
import type { Logger } from './logger.js';

/** The environment variable that stands in for `--metrics HOST:PORT`. */
export const METRICS_ENV = 'RINGKV_METRICS';

/**
 * A small HTTP server for Prometheus: `GET /metrics` answers the registry in the text format,
 * any other path 404, any other method 405. Binds where `--metrics` says (port 0 picks one).
 */
export class MetricsServer {
  /** The address actually bound, HOST:PORT. */
  readonly address: string;
  readonly #server: Server;
  #closing: Promise<void> | undefined;

  private constructor(address: string, server: Server) {
    this.address = address;
    this.#server = server;
  }

  static async start(listen: string, registry: Registry, log?: Logger): Promise<MetricsServer> {
    const { host, port } = parseHostPort(listen, 'metrics address');
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are on /metrics\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (err: unknown) => {
          log?.error({ err }, 'collecting metrics failed');
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`collecting metrics failed: ${(err as Error).message}\n`);
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new RingKvError(ErrorCode.UNAVAILABLE, `cannot listen on ${listen} for metrics: ${err.message}`, { cause: err })));
      server.listen(port, host, () => resolve());
    });
    const bound = server.address();
    const address = formatHostPort({ host, port: typeof bound === 'object' && bound ? bound.port : port });
    log?.info({ address }, 'metrics on http://' + address + '/metrics');
    return new MetricsServer(address, server);
  }

  /** Stops listening and drops open connections (scrapers keep them alive). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
