/** Progress of an indexing or hashing run, reported at a bounded rate so the UI is not flooded. */

export interface IndexProgress {
  phase: 'indexing' | 'done';
  filesSeen: number;
  /** Files opened and probed (new or changed). */
  filesProbed: number;
  /** Files whose previous record was reused (unchanged size and mtime). */
  filesReused: number;
  badFiles: number;
  foldersDone: number;
  /** Folder (or list file) being indexed, relative to the dataset root. */
  currentFolder: string;
  elapsedMs: number;
  filesPerSecond: number;
}

export class ProgressThrottle {
  private last = -Infinity;
  constructor(private readonly intervalMs: number) {}

  /** Whether enough time has passed since the last report (always true for the first). */
  due(now: number): boolean {
    if (now - this.last < this.intervalMs) return false;
    this.last = now;
    return true;
  }
}
