/**
 * The path this process was started by: the file CNI_PATH found, with a
 * link's own name rather than what it points to (the multi-call binary picks
 * the plugin by that name, and in-process delegates compare its directory).
 *
 * A bundle run by Node.js is process.argv[1], which its launcher passes on
 * as it was run. The compiled binary (packages/executables) is its own
 * runtime: there argv[1] names the code embedded in it (under /$bunfs/),
 * argv0 is what the runtime executed, and execPath is /proc/self/exe, every
 * link resolved, the fallback when argv0 is a bare name found on PATH.
 */
export function ownExecutable(): string | undefined {
  if (!isCompiled()) return process.argv[1];
  return process.argv0.includes('/') ? process.argv0 : process.execPath;
}

/** The file name this process was run as (a link's own name, even one found on PATH). */
export function ownName(): string {
  const path = (isCompiled() ? process.argv0 : process.argv[1]) ?? '';
  return path.slice(path.lastIndexOf('/') + 1);
}

function isCompiled(): boolean {
  return process.argv[1]?.startsWith('/$bunfs/') ?? false;
}
