/**
 * The list of datasets the user registered: <workspace>/datasets/registry.json. It holds only what
 * cannot be recomputed (id, name, folder, when it was added, how the last indexing ended); everything
 * else (layout, statistics, records) lives in each dataset's index under <workspace>/cache/.
 *
 * Writes are atomic (temp + fsync + rename) and serialised, so a crash leaves the previous list or
 * the new one, never a torn file. A registry that cannot be parsed is kept aside as
 * registry.json.damaged-<time> rather than overwritten, because it is the user's list.
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../../trainer/run/atomic-file.js';
import { datasetIdSchema } from '../../contract/datasets-api.js';

const registryEntrySchema = z.object({
  id: datasetIdSchema,
  name: z.string(),
  root: z.string(),
  addedAt: z.string(),
  synthetic: z.boolean().default(false),
  /** Why the last indexing did not produce an index (kept so a restart does not retry a known failure blindly). */
  lastError: z.object({ message: z.string(), hint: z.string().optional() }).optional(),
});
export type RegistryEntry = z.infer<typeof registryEntrySchema>;

const registryFileSchema = z.object({
  format: z.literal('fra-workbench/datasets-registry'),
  version: z.literal(1),
  datasets: z.array(registryEntrySchema),
});

export interface RegistryLoadResult {
  entries: RegistryEntry[];
  /** Set when a damaged registry was moved aside (the caller logs it). */
  damagedCopy?: string;
}

export class DatasetRegistry {
  readonly file: string;
  private entries: RegistryEntry[] = [];
  private writes: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {
    this.file = join(dir, 'registry.json');
  }

  async load(): Promise<RegistryLoadResult> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: (this.entries = []) };
      throw error;
    }
    const parsed = registryFileSchema.safeParse(safeJson(text));
    if (parsed.success) {
      this.entries = parsed.data.datasets;
      return { entries: [...this.entries] };
    }
    const damagedCopy = `${this.file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.file, damagedCopy);
    this.entries = [];
    return { entries: [], damagedCopy };
  }

  list(): readonly RegistryEntry[] {
    return this.entries;
  }

  find(id: string): RegistryEntry | undefined {
    return this.entries.find((entry) => entry.id === id);
  }

  findByRoot(root: string): RegistryEntry | undefined {
    return this.entries.find((entry) => entry.root === root);
  }

  add(entry: RegistryEntry): Promise<void> {
    return this.change([...this.entries, entry]);
  }

  async update(id: string, change: (entry: RegistryEntry) => RegistryEntry): Promise<RegistryEntry | undefined> {
    const current = this.find(id);
    if (!current) return undefined;
    const next = change(current);
    await this.change(this.entries.map((entry) => (entry.id === id ? next : entry)));
    return next;
  }

  remove(id: string): Promise<void> {
    return this.change(this.entries.filter((entry) => entry.id !== id));
  }

  /** Memory follows the disk: a change that cannot be saved is undone, so the list never claims more than the file. */
  private async change(next: RegistryEntry[]): Promise<void> {
    const before = this.entries;
    this.entries = next;
    try {
      await this.save();
    } catch (error) {
      if (this.entries === next) this.entries = before;
      throw error;
    }
  }

  /** Writes the current list; queued so concurrent changes land in order and the last one wins. */
  private save(): Promise<void> {
    const snapshot = { format: 'fra-workbench/datasets-registry', version: 1, datasets: this.entries };
    const write = async (): Promise<void> => {
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(this.file, `${JSON.stringify(snapshot, null, 2)}\n`);
    };
    const next = this.writes.then(write, write);
    this.writes = next.catch(() => undefined);
    return next;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
