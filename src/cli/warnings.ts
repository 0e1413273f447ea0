/**
 * Imported first by the CLI: keeps process warnings out of cron logs unless they matter. The AWS SDK
 * warns on every start under Node 20 (past end of life; pgvault's baseline is Node 22) that its future
 * versions will need Node 22; every other warning is still printed.
 */
process.removeAllListeners('warning');
process.on('warning', (w: Error) => {
  if (w.name === 'NodeVersionSupportWarning' || w.message.startsWith('NodeVersionSupportWarning')) return;
  process.stderr.write(`pgvault: warning: ${w.name}: ${w.message}\n`);
});
