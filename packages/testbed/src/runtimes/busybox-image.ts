import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { command } from './command.js';

/** The image name both runtimes use; containers run busybox applets (sleep, ping, ip, nc). */
export const BUSYBOX_IMAGE = 'localhost/busybox:latest';

/**
 * A container root filesystem from Debian's busybox-static (one static
 * binary, so no libraries to copy) as a tar archive in `dir`. Built from the
 * machine's own files: the tests need no registry.
 */
export async function busyboxRootfsArchive(dir: string): Promise<string> {
  const rootfs = join(dir, 'busybox-rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await mkdir(join(rootfs, 'tmp'));
  await copyFile('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  const applets = (await command('/bin/busybox', ['--list'])).split('\n').filter((a) => a && a !== 'busybox');
  await Promise.all(applets.map((applet) => symlink('busybox', join(rootfs, 'bin', applet))));
  const archive = join(dir, 'busybox-rootfs.tar');
  await command('tar', ['-C', rootfs, '-cf', archive, '.']);
  return archive;
}
