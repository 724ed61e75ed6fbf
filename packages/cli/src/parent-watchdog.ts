// Preloaded (`node --import`) into the processes `ringkv dev` starts. If `ringkv dev` dies
// without stopping its children (SIGKILL, a crash), the child is re-parented; it notices and
// stops itself, so no storage node or router outlives the dev cluster.
const parent = Number(process.env['RINGKV_PARENT_PID']);
delete process.env['RINGKV_PARENT_PID'];

if (Number.isInteger(parent) && parent > 0) {
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
    // If SIGTERM does not end it (a hung shutdown), leave anyway.
    setTimeout(() => process.exit(1), 10_000).unref();
  }, 500);
  timer.unref();
}

export {};
