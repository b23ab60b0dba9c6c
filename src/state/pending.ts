/** The live model's unsaved change, in words and data, and how two of them in a row merge. */
import type { ChangeKind, Metrics } from '../core/versions/types';
import type { DataBlob, OptimizerState } from '../core/ports';
import { t } from './i18n';

/** What saving the live model now would record, beyond what Graft notes by itself. */
export interface PendingChange {
  readonly change: ChangeKind;
  /** In words, for the save form: “trained 2 epochs on Digits”. */
  readonly description: string;
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly metrics: Metrics;
  /** The optimizer's state after the last run, while nothing changed the model since: saved beside the version. */
  readonly optimizer?: OptimizerState;
  /** The bytes of the data `provenance.dataset` names, when they can be kept: saved beside the version. */
  readonly data?: DataBlob;
}

/** Joins the descriptions of unsaved changes made one after another (", then " / "，然后"). */
export const pendingSeparator = (): string => t('unsaved.then');

/**
 * The message a save with no typed message gets (“Save first”, the save shortcut): what changed, as the
 * save form would suggest it.
 */
export function defaultMessage(pending: PendingChange): string {
  return pending.description.charAt(0).toUpperCase() + pending.description.slice(1);
}

/** Two unsaved changes in a row save as one version: the later kind wins, both records are kept. */
export function mergePending(previous: PendingChange | null, next: PendingChange): PendingChange {
  if (!previous) return next;
  const change =
    previous.change === 'created' || previous.change === 'imported' ? previous.change : next.change;
  // The kept data follows the dataset the provenance names: the later change's when it names one.
  const data = 'dataset' in next.provenance ? next.data : previous.data;
  return {
    change,
    description: `${previous.description}${pendingSeparator()}${next.description}`,
    provenance: { ...previous.provenance, ...next.provenance },
    // An edit after training makes the earlier run's metrics describe a different model: drop them.
    metrics: next.change === 'edited' ? { ...next.metrics } : { ...previous.metrics, ...next.metrics },
    // A later run's state replaces the earlier one; any other change to the model (an edit, imported
    // weights, a run kept after a NaN) leaves no state that fits it.
    ...(next.optimizer ? { optimizer: next.optimizer } : {}),
    ...(data ? { data } : {}),
  };
}
