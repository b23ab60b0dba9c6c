/** Formatting helpers shared by components. */
export { formatBytes } from '../../state/Workspace.svelte';

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatWhen(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  const seconds = Math.round((t - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relative.format(0, 'second');
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86400) return relative.format(Math.round(seconds / 86400), 'day');
  return absolute.format(t);
}

export function formatDate(iso: string): string {
  return absolute.format(Date.parse(iso));
}

export function formatCount(n: number): string {
  return n.toLocaleString();
}

export function formatShape(shape: readonly (number | null)[] | null): string {
  return shape ? `[${shape.map((d) => (d === null ? 'batch' : d)).join(', ')}]` : '—';
}

export const CHANGE_LABELS: Record<string, string> = {
  created: 'Created',
  trained: 'Trained',
  edited: 'Edited',
  imported: 'Imported',
  checkpoint: 'Checkpoint',
  rollback: 'Rollback',
  merged: 'Merged',
};
