/**
 * Imported first by the CLI: keeps process warnings out of cron logs unless they matter. The AWS SDK
 * warns on every start under Node 20 that its future versions will need Node 22 (package-lock pins a
 * version that supports Node 20); every other warning is still printed.
 */
process.removeAllListeners('warning');
process.on('warning', (w: Error) => {
  if (w.name === 'NodeVersionSupportWarning' || w.message.startsWith('NodeVersionSupportWarning')) return;
  process.stderr.write(`pgvault: warning: ${w.name}: ${w.message}\n`);
});
