/**
 * The human report of an index: what the dataset holds, what is unusable and
 * why, and what changed — one finding per line, for the dataset page, the
 * CLI and logs. Every problem line says what to do about it.
 */
import { BAD_FILE_EXPLANATIONS, BAD_FILE_REASONS } from './file-status.js';
import type { IndexSummary } from './index-summary.js';

const count = (n: number) => n.toLocaleString('en');

export function describeIndex(summary: IndexSummary): string[] {
  const { layout, statistics } = summary;
  const { overall } = statistics;
  const lines: string[] = [];
  const labels =
    layout.labelRole === 'identity'
      ? `${count(overall.labelsWithImages)} identities`
      : layout.labelRole === 'class'
        ? `${count(layout.classNames.length)} classes`
        : 'no labels';
  const perSplit = layout.splits.map((s) => `${s} ${count(statistics.splits[s]?.usable ?? 0)}`).join(', ');
  lines.push(`${layout.title} at ${summary.datasetRoot}: ${count(overall.images)} images, ${labels} (usable per split: ${perSplit})`);
  const share = overall.images > 0 ? ((100 * overall.usable) / overall.images).toFixed(2) : '0';
  lines.push(`usable: ${count(overall.usable)} (${share}%)`);
  for (const reason of BAD_FILE_REASONS) {
    const n = overall.badByReason[reason];
    if (!n) continue;
    const example = summary.badFileExamples[reason]?.[0];
    lines.push(`${count(n)} ${reason}: ${BAD_FILE_EXPLANATIONS[reason]}${example ? ` — e.g. ${example.path} (${example.detail})` : ''}`);
  }
  if (overall.wrongExtension > 0) {
    const example = summary.wrongExtensionExamples[0];
    lines.push(`${count(overall.wrongExtension)} with a wrong extension (still usable)${example ? ` — e.g. ${example.path}: ${example.detail}` : ''}`);
  }
  for (const [reason, n] of Object.entries(summary.folderProblems.counts)) {
    const example = summary.folderProblems.examples.find((e) => e.reason === reason);
    lines.push(`${count(n ?? 0)} folder(s) skipped, ${reason}${example ? ` — e.g. ${example.path} ${example.detail}` : ''}`);
  }
  for (const drop of summary.labelDrops) lines.push(`${count(drop.count)} ${drop.split} item(s) dropped by the label rule: ${drop.reason} (e.g. ${drop.examples[0] ?? '?'})`);
  for (const warning of layout.warnings) lines.push(`note: ${warning}`);
  if (summary.refreshed) {
    const c = summary.changes;
    lines.push(`refresh: ${count(c.added)} added, ${count(c.removed)} removed, ${count(c.changed)} changed, ${count(c.unchanged)} unchanged (${count(c.probed)} files opened)`);
  }
  return lines;
}
