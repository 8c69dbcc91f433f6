import { writeFileAtomically } from './atomic-file.js';

/**
 * One file the agent owns, with the content it last wrote: a pass whose
 * content is unchanged compares strings in memory instead of reading the
 * file back. `forget` makes the next write compare with the disk again, so
 * a file removed or edited by someone else is put back.
 */
export class FileKeeper {
  private written: string | undefined;

  constructor(readonly path: string) {}

  /** Returns whether the file changed. */
  async write(content: string): Promise<boolean> {
    if (content === this.written) return false;
    this.written = undefined; // unknown until the write below is through
    const changed = await writeFileAtomically(this.path, content);
    this.written = content;
    return changed;
  }

  forget(): void {
    this.written = undefined;
  }
}
