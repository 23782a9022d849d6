/**
 * Pages of a dataset's problem list (index-problems.ndjson). The file is read once per index and
 * kept as parsed lines: problem lists are small next to the dataset (a few per thousand images on
 * real data), and paging a filtered view then needs no re-read.
 */
import type { DatasetIndex } from '../../../trainer/data/indexing/index-reader.js';
import type { ProblemLine } from '../../../trainer/data/indexing/index-summary.js';
import type { DatasetProblem, ProblemKind } from '../../contract/datasets-api.js';
import { problemOf } from './dataset-views.js';

export interface ProblemPage {
  total: number;
  counts: Record<ProblemKind, number>;
  items: DatasetProblem[];
}

export class DatasetProblems {
  private lines: Promise<ProblemLine[]> | null = null;

  constructor(private readonly index: DatasetIndex) {}

  async page(offset: number, limit: number, kind: ProblemKind | undefined): Promise<ProblemPage> {
    const lines = await this.load();
    const counts: Record<ProblemKind, number> = { 'bad-file': 0, 'wrong-extension': 0, folder: 0, dropped: 0 };
    for (const line of lines) counts[line.kind]++;
    const selected = kind === undefined ? lines : lines.filter((line) => line.kind === kind);
    return { total: selected.length, counts, items: selected.slice(offset, offset + limit).map(problemOf) };
  }

  private load(): Promise<ProblemLine[]> {
    if (!this.lines) {
      const loading = (async () => {
        const lines: ProblemLine[] = [];
        try {
          for await (const line of this.index.problems()) lines.push(line);
        } catch (error) {
          // An index written without problems has no file; anything else is worth reporting.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        return lines;
      })();
      this.lines = loading;
      loading.catch(() => {
        if (this.lines === loading) this.lines = null;
      });
    }
    return this.lines;
  }
}
