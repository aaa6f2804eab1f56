/**
 * The `bearer-guard` executable: runs the dispatcher on the process's arguments.
 */
import { run } from './run.js';

// `bearer-guard jwks … | head -1`: a closed pipe ends the program quietly, not with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await run(process.argv.slice(2));
