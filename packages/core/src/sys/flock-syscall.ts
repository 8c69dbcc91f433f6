/**
 * flock(2) called in this process, where the runtime can: the plugins run
 * as a Bun-compiled binary, and Bun calls C through `bun:ffi`. Node.js
 * (the agent, jest) has no FFI: there this always answers false and the
 * caller waits through the `flock` program instead.
 */

/** <sys/file.h> */
const LOCK_EX = 2;
const LOCK_NB = 4;

interface Libc {
  symbols: { flock(fd: number, operation: number): number };
}

interface BunFfi {
  dlopen(path: string, symbols: Record<string, { args: string[]; returns: string }>): Libc;
}

/** Opened on first use; null where there is no FFI or no glibc to open. */
let libc: Libc | null | undefined;

function openLibc(): Libc | null {
  if (process.versions.bun === undefined) return null;
  try {
    // getBuiltinModule, not an import: Node and its bundler never see bun:ffi.
    const ffi = process.getBuiltinModule('bun:ffi') as unknown as BunFfi;
    return ffi.dlopen('libc.so.6', { flock: { args: ['i32', 'i32'], returns: 'i32' } });
  } catch {
    return null;
  }
}

/**
 * Takes an exclusive flock(2) on `fd` if no one holds it: true when it is
 * ours now. Never waits (LOCK_NB): false when it is taken, when the call
 * fails, or when this runtime cannot call flock(2) at all.
 */
export function tryLockExclusive(fd: number): boolean {
  libc ??= openLibc();
  return libc !== null && libc.symbols.flock(fd, LOCK_EX | LOCK_NB) === 0;
}
