/** The entries of a list-based layout, from whichever list reader its sources need. */
import { readCsvListEntries } from './csv-list.js';
import { readFerPlusEntries } from './ferplus.js';
import { readRafDbEntries } from './raf-db.js';
import type { LayoutDetection, ListEntry, ListSource } from './layout-types.js';

export async function* readListEntries(detection: LayoutDetection, source: ListSource): AsyncGenerator<ListEntry> {
  switch (source.format) {
    case 'raf-db':
      yield* readRafDbEntries(detection.root, source);
      return;
    case 'ferplus':
      yield* readFerPlusEntries(detection.root, source);
      return;
    case 'csv':
      yield* readCsvListEntries(detection.root, source, detection.classNames);
      return;
  }
}
