/**
 * What every command-line tool shares: a commander program whose `--help` prints usage and exits 0 before
 * any work, whose usage errors exit 64 (EX_USAGE, as `main.ts` does for an unknown role), number options
 * checked as they are parsed, and the stall check of the commands that wait on workers.
 */
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';

export function cliProgram(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 64));
}

/** A commander parser for options and arguments that are whole numbers of at least `min`. */
export const integer =
  (min = 1) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number >= ${min}`);
    return n;
  };

/** A commander parser for durations in seconds (more than zero; fractions allowed). */
export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds above 0');
  return n;
}

/** True when the module at `moduleUrl` is the script node was asked to run (not imported by another). */
export const isMainModule = (moduleUrl: string): boolean =>
  process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;

/** A run that gave up because its work stopped progressing; its message says what to check. */
export class StalledRunError extends Error {}

/**
 * Watches a count of finished work: `check(done)` throws a StalledRunError with `message(done)` once the
 * count has not grown for `timeoutSeconds`.
 */
export function stallWatch(timeoutSeconds: number, message: (done: number) => string) {
  let best = -1;
  let since = Date.now();
  return (done: number) => {
    if (done > best) {
      best = done;
      since = Date.now();
    } else if (Date.now() - since >= timeoutSeconds * 1000) {
      throw new StalledRunError(message(done));
    }
  };
}

/** How the tools end on an error: a stalled run says only its message; anything else with its stack. */
export function exitOnError(err: unknown): never {
  console.error(err instanceof StalledRunError ? err.message : err);
  process.exit(1);
}
