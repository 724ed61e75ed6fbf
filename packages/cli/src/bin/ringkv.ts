// `ringkv ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const { silenceIpServernameWarning } = await import('@ringkv/core/process-warnings');
silenceIpServernameWarning();

// `ringkv health` is what container healthchecks run every few seconds: it skips loading the
// rest of the CLI (the proto files of @ringkv/core), which takes most of the start-up time.
const health = await import('../commands/health.js');
if (health.isHealthCommand(process.argv)) {
  process.exitCode = await health.runHealthCli(process.argv);
} else {
  const { runCli } = await import('../program.js');
  process.exitCode = await runCli(process.argv);
}
