import { stat } from 'node:fs/promises';
import { CniError, ErrorCode } from '../spec/errors.js';

/**
 * Network namespaces are always named by path: `/var/run/netns/<name>` (ip
 * netns), `/proc/<pid>/ns/net` (containerd, runc), or any bind mount. Work
 * inside one runs in a child process (`nsenter --net=PATH`, see Runner's
 * `netns` option) because a Node process cannot switch namespaces per
 * thread; iproute2 also takes a path wherever it expects a netns and sees a '/'.
 * See README.md in this folder.
 */

/** True when `path` names something that can be entered as a netns. */
export async function netnsExists(path: string): Promise<boolean> {
  if (!path) return false;
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Throws code 3 (container unknown) when the netns is gone. */
export async function requireNetns(path: string): Promise<void> {
  if (!path.startsWith('/')) {
    throw new CniError(ErrorCode.InvalidEnvironment, `CNI_NETNS must be an absolute path, got "${path}"`);
  }
  if (!(await netnsExists(path))) {
    throw new CniError(ErrorCode.UnknownContainer, `network namespace ${path} does not exist`);
  }
}
