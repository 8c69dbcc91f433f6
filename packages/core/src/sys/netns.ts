import { stat, statfs } from 'node:fs/promises';
import { CniError, ErrorCode } from '../spec/errors.js';

/**
 * Network namespaces are always named by path: `/var/run/netns/<name>` (ip
 * netns), `/proc/<pid>/ns/net` (containerd, runc), or any bind mount. Work
 * inside one runs in a child process (`nsenter --net=PATH`, see Runner's
 * `netns` option) because a Node process cannot switch namespaces per
 * thread; iproute2 also takes a path wherever it expects a netns and sees a '/'.
 * See README.md in this folder.
 */

/** The file system of namespace files (NSFS_MAGIC in linux/magic.h). */
const NSFS_MAGIC = 0x6e736673;

/**
 * True when `path` names a namespace that can be entered. A plain file is
 * not one: `ip netns`' file stays behind, unmounted, when the namespace is
 * gone, and entering any other file fails deep inside nsenter.
 */
export async function netnsExists(path: string): Promise<boolean> {
  if (!path) return false;
  try {
    return (await statfs(path)).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

/** Throws code 3 (container unknown) when the netns is gone, 4 when CNI_NETNS names no namespace. */
export async function requireNetns(path: string): Promise<void> {
  if (!path.startsWith('/')) {
    throw new CniError(ErrorCode.InvalidEnvironment, `CNI_NETNS must be an absolute path, got "${path}"`);
  }
  if (await netnsExists(path)) return;
  // A leftover `ip netns` file (the namespace deleted, its mount gone) means the
  // container is gone; any other file never was a namespace.
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (exists && !path.startsWith('/var/run/netns/') && !path.startsWith('/run/netns/')) {
    throw new CniError(ErrorCode.InvalidEnvironment, `CNI_NETNS ${path} is not a network namespace`);
  }
  throw new CniError(ErrorCode.UnknownContainer, `network namespace ${path} does not exist`);
}
