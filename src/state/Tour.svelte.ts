/**
 * The guided first run: seven steps through Graft's whole story (create, save, train, update, compare, roll
 * back, export), each done by the person in the real UI. A step ends by itself when the app's state shows it
 * was done — the tour only watches (`observe`), it never acts. Where it was left is remembered, so it can be
 * resumed or restarted from the help menu, and a finished or skipped tour does not start again.
 */
import type { Preferences } from '../core/ports';

export const TOUR_STEPS = ['create', 'save', 'train', 'update', 'compare', 'rollback', 'export'] as const;
export type TourStepId = (typeof TOUR_STEPS)[number];

/** What the tour reads from the app: small plain values, so a step's rule is tested without a browser. */
export interface TourFacts {
  /** The app has opened its database and knows its models. */
  readonly ready: boolean;
  readonly repositories: number;
  /** The view open in the workspace; null while the welcome or new-model screen shows. */
  readonly tab: string | null;
  readonly live: {
    /** Saved as, or checked out from, a version. */
    readonly saved: boolean;
    /** The kind of change not saved yet; null when the live model is exactly a version. */
    readonly pending: string | null;
    readonly layers: number;
  } | null;
  /** In the open model. */
  readonly versions: number;
  /** The most layers any saved version of the open model has. */
  readonly savedLayersMax: number;
  readonly rollbacks: number;
  /** A version is selected in the history. */
  readonly selected: boolean;
  /** The selected version is one a rollback can go back to (not the branch head). */
  readonly selectedOlder: boolean;
  /** The builder holds layer edits not applied yet. */
  readonly editing: boolean;
  /** Training data is chosen. */
  readonly dataset: boolean;
  /** The last finished training run; a new object for each run, null before one. */
  readonly trainRun: object | null;
  readonly comparing: number;
  /** The last export or download; a new object for each, null before one. */
  readonly exported: object | null;
}

/** A control the tour can point at (its `data-tour` attribute) and the hint shown beside it. */
export interface TourAnchor {
  readonly anchor: string;
  /** Message key of the hint. */
  readonly hint: string;
}

interface StepRule {
  /** Whether the step is done, given the facts now and when the step began. */
  done(now: TourFacts, began: TourFacts): boolean;
  /** Where to point, best first: the UI shows the first one that is on screen. */
  anchors(now: TourFacts, began: TourFacts): readonly TourAnchor[];
}

const at = (step: TourStepId, ...pairs: [anchor: string, hint: string][]): TourAnchor[] =>
  pairs.map(([anchor, hint]) => ({ anchor, hint: `tour.${step}.${hint}` }));

const RULES: Readonly<Record<TourStepId, StepRule>> = {
  create: {
    done: (f, b) =>
      f.repositories > b.repositories || (f.live !== null && !f.live.saved && f.live.pending === 'created'),
    anchors: () => at('create', ['create', 'form'], ['new-model', 'button']),
  },
  save: {
    done: (f) => f.live !== null && f.live.saved && f.live.pending === null && f.versions > 0,
    anchors: () => at('save', ['save', 'form'], ['tab-model', 'tab']),
  },
  train: {
    done: (f, b) => f.trainRun !== null && f.trainRun !== b.trainRun,
    anchors: (f) =>
      f.dataset
        ? at('train', ['train-adapt', 'adapt'], ['train-run', 'run'], ['tab-train', 'tab'])
        : at('train', ['train-data', 'data'], ['tab-train', 'tab']),
  },
  update: {
    done: (f, b) => f.savedLayersMax > b.savedLayersMax,
    anchors: (f, b) =>
      f.live !== null && f.live.layers > b.savedLayersMax
        ? at('update', ['save', 'save'], ['tab-model', 'tab'])
        : f.editing
          ? at('update', ['apply', 'apply'], ['tab-model', 'tab'])
          : at('update', ['add-layer', 'add'], ['tab-model', 'tab']),
  },
  compare: {
    done: (f) => f.tab === 'compare' && f.comparing >= 2,
    anchors: (f) =>
      f.comparing >= 2
        ? at('compare', ['tab-compare', 'tab'])
        : f.selected
          ? at('compare', ['history-compare', 'button'], ['history-list', 'select'])
          : at('compare', ['history-list', 'select']),
  },
  rollback: {
    done: (f, b) => f.rollbacks > b.rollbacks,
    anchors: (f) =>
      f.selectedOlder
        ? at('rollback', ['history-rollback', 'button'], ['history-list', 'select'])
        : at('rollback', ['history-list', 'select']),
  },
  export: {
    done: (f, b) => f.exported !== null && f.exported !== b.exported,
    anchors: () => at('export', ['export', 'button'], ['tab-share', 'tab']),
  },
};

export type TourStatus = 'new' | 'active' | 'skipped' | 'done';

export const TOUR_KEY = 'graft.tour';

export class Tour {
  /** Where the tour's progress is remembered. */
  readonly #memory: Preferences;
  #status = $state<TourStatus>('new');
  #index = $state(0);
  /** The last step's "well done" card shows until it is closed. */
  #celebrating = $state(false);
  #facts = $state.raw<TourFacts | null>(null);
  #began = $state.raw<TourFacts | null>(null);

  readonly count = TOUR_STEPS.length;

  constructor(memory: Preferences) {
    this.#memory = memory;
    const saved = readMemory(memory.get(TOUR_KEY));
    if (saved) {
      this.#status = saved.status;
      this.#index = saved.step;
    }
  }

  get status(): TourStatus {
    return this.#status;
  }

  /** The step's position, 0-based; equals `count` once every step is done. */
  get index(): number {
    return this.#index;
  }

  /** The step to do now; null when the tour is not running or is over. */
  get step(): TourStepId | null {
    return this.#status === 'active' ? (TOUR_STEPS[this.#index] ?? null) : null;
  }

  /** Whether a tour card is on screen: a step, or the closing card. */
  get showing(): boolean {
    return this.#status === 'active' || this.#celebrating;
  }

  get celebrating(): boolean {
    return this.#celebrating;
  }

  /** A skipped tour can go on from the step it was left at. */
  get canResume(): boolean {
    return this.#status === 'skipped' && this.#index > 0 && this.#index < this.count;
  }

  /** Where the current step points, best first. */
  readonly anchors: readonly TourAnchor[] = $derived.by(() => {
    const step = this.step;
    const now = this.#facts;
    if (step === null || now === null) return [];
    return RULES[step].anchors(now, this.#began ?? now);
  });

  /**
   * Takes the app's state now. An empty Graft seen for the first time starts the tour; a running tour
   * moves past every step the state shows done.
   */
  observe(facts: TourFacts): void {
    this.#facts = facts;
    if (this.#status === 'new' && facts.ready && facts.repositories === 0) {
      this.#begin(0);
      return;
    }
    this.#advance();
  }

  /** From the first step, whatever was done before. */
  restart(): void {
    this.#begin(0);
  }

  /** From the step it was left at. */
  resume(): void {
    this.#begin(this.#index < this.count ? this.#index : 0);
  }

  skip(): void {
    if (this.#status !== 'active') return;
    this.#status = 'skipped';
    this.#save();
  }

  /** Closes the closing card. */
  close(): void {
    this.#celebrating = false;
  }

  #begin(index: number): void {
    this.#status = 'active';
    this.#index = index;
    this.#celebrating = false;
    this.#began = this.#facts;
    this.#save();
    this.#advance();
  }

  #advance(): void {
    const now = this.#facts;
    if (this.#status !== 'active' || now === null) return;
    const began = this.#began ?? now;
    const step = TOUR_STEPS[this.#index];
    if (step === undefined || !RULES[step].done(now, began)) return;
    // Each step starts from the state that ended the one before, so one state change ends one step.
    this.#began = now;
    this.#index++;
    if (this.#index >= this.count) {
      this.#status = 'done';
      this.#celebrating = true;
    }
    this.#save();
  }

  #save(): void {
    this.#memory.set(TOUR_KEY, JSON.stringify({ status: this.#status, step: this.#index }));
  }
}

function readMemory(text: string | null): { status: Exclude<TourStatus, 'new'>; step: number } | null {
  if (!text) return null;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return null;
    const { status, step } = v as Record<string, unknown>;
    if (status !== 'active' && status !== 'skipped' && status !== 'done') return null;
    const index = typeof step === 'number' && Number.isInteger(step) ? step : 0;
    return { status, step: Math.min(Math.max(index, 0), TOUR_STEPS.length) };
  } catch {
    return null;
  }
}
