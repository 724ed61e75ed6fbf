// A queue consumer in its own process, for tests that kill it with SIGKILL mid-message:
// pops one message, prints it as JSON, then "works on it" until killed (or 30 s pass).
import { RingKvClient } from '@ringkv/client';

const [router, queue, visibilityTimeoutMs] = process.argv.slice(2);
setTimeout(() => process.exit(3), 30_000).unref();
const client = await RingKvClient.connect({ routers: [router] });
const m = await client.queue(queue).pop({ visibilityTimeoutMs: Number(visibilityTimeoutMs), waitMs: 10_000 });
process.stdout.write(`${JSON.stringify({ id: m?.id.toString(), body: m?.body.toString(), deliveries: m?.deliveries })}\n`);
setInterval(() => {}, 1_000);
