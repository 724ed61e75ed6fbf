import { createServer } from 'node:net';

/**
 * A port that was free on 127.0.0.1 a moment ago: bind port 0, read it, close. Another
 * process can take it before we use it, so callers retry a start that fails to bind.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('no port from listen(0)'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The first of `n` consecutive ports that were all free on 127.0.0.1 a moment ago, below
 * Linux's ephemeral range (32768+) so outgoing connections do not take them meanwhile.
 */
export async function freePortRange(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - n));
    let ok = true;
    for (let p = base; p < base + n && ok; p++) ok = await canBind(p);
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports found`);
}
