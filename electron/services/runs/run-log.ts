/**
 * A run's log as the Logs tab shows it: the durable timeline (events.jsonl: state changes,
 * checkpoints, warnings and errors, exits) merged with the trainer's recent chatter (engine
 * report, data notices, info lines), which is kept in memory only, bounded per run. Warnings
 * and errors are written to events.jsonl by the trainer host, so they survive a restart and are
 * not kept twice here.
 */
import type { RunEvent } from '../../../trainer/run/run-format.js';
import type { RunLogEntry } from '../../contract/runs-api.js';

type Level = RunLogEntry['level'];

const DEFAULT_LINES_PER_RUN = 2000;

export class RecentTrainerLines {
  private readonly lines = new Map<string, RunLogEntry[]>();

  constructor(private readonly perRun = DEFAULT_LINES_PER_RUN) {}

  /** Keeps an entry; returns it (with its timestamp) for the live event. */
  add(runId: string, level: Level, message: string): RunLogEntry {
    const entry: RunLogEntry = { at: new Date().toISOString(), level, message };
    // Warnings and errors are in events.jsonl already (trainer host): not kept twice.
    if (level === 'warning' || level === 'error') return entry;
    let list = this.lines.get(runId);
    if (list === undefined) {
      list = [];
      this.lines.set(runId, list);
    }
    list.push(entry);
    if (list.length > this.perRun) list.splice(0, list.length - this.perRun);
    return entry;
  }

  of(runId: string): readonly RunLogEntry[] {
    return this.lines.get(runId) ?? [];
  }

  forget(runId: string): void {
    this.lines.delete(runId);
  }
}

/** One events.jsonl line as a log entry: the level says how much the user should care. */
export function logEntryOfEvent(event: RunEvent): RunLogEntry {
  return { at: event.at, level: levelOfEvent(event), message: event.message };
}

function levelOfEvent(event: RunEvent): Level {
  const data = event.data ?? {};
  switch (event.type) {
    case 'error':
      return 'error';
    case 'log': {
      const level = data['level'];
      return level === 'debug' || level === 'info' || level === 'warning' || level === 'error' ? level : 'info';
    }
    case 'checkpoint-invalid':
    case 'recovered':
      return 'warning';
    case 'state':
      return data['to'] === 'failed' ? 'error' : data['to'] === 'crashed' ? 'warning' : 'info';
    case 'exit':
      return data['reason'] === 'clean' ? 'info' : 'warning';
    default:
      return 'info';
  }
}

/** Both sources in time order (stable: events first on equal times), the newest `limit` entries. */
export function mergeLog(events: readonly RunEvent[], recent: readonly RunLogEntry[], limit: number): RunLogEntry[] {
  const merged = [...events.map(logEntryOfEvent), ...recent];
  merged.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return merged.slice(-limit);
}
