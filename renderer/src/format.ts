// Number, size, duration, rate and date formatting shared by every view (charts, run headers,
// datasets, checkpoints), so the same quantity reads the same everywhere.

/** A metric value with up to `digits` significant digits; exponent form for very small/large. */
export function formatValue(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) {
    const [mantissa = '', exponent = '0'] = value.toExponential(Math.max(0, digits - 1)).split('e');
    return `${Number(mantissa)}e${Number(exponent)}`;
  }
  return String(Number(value.toPrecision(digits)));
}

/** One formatter for all counts: toLocaleString builds a new one per call, on every axis label of every frame. */
const COUNT_FORMAT = new Intl.NumberFormat('en-US');

/** Integers with thousands separators: 1,234,567. */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return COUNT_FORMAT.format(Math.round(value));
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = unit === 0 ? String(Math.round(value)) : value.toFixed(value >= 100 ? 0 : 1);
  return `${bytes < 0 ? '−' : ''}${text} ${BYTE_UNITS[unit]}`;
}

/** "45 s", "12 min 5 s", "3 h 20 min", "2 d 4 h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const total = Math.round(seconds);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return secs > 0 ? `${minutes} min ${secs} s` : `${minutes} min`;
}

export function formatRate(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${formatValue(value, 3)} ${unit}`;
}

/**
 * "28 Nov 2026, 14:05" in the viewer's locale and time zone; the raw text if unparsable.
 * `omitCurrentYear` drops the year for dates of this year, for dense tables ("28 Nov, 14:05").
 */
export function formatTimestamp(iso: string, options: { omitCurrentYear?: boolean } = {}): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const showYear = options.omitCurrentYear !== true || date.getFullYear() !== new Date().getFullYear();
  return date.toLocaleString(undefined, { day: 'numeric', month: 'short', ...(showYear ? { year: 'numeric' } : {}), hour: '2-digit', minute: '2-digit' });
}

/** "0.37" → "37%"; clamps to [0, 100]. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}
