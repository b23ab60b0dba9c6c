/** The colour theme a person chose: follow the system (the default), or always light, or always dark. */

export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];

export function isThemeChoice(value: unknown): value is ThemeChoice {
  return typeof value === 'string' && (THEME_CHOICES as readonly string[]).includes(value);
}

export class ThemePreference {
  #choice = $state<ThemeChoice>('system');
  readonly #apply: (choice: ThemeChoice) => void;

  /** `apply` puts a choice into effect (and remembers it); it runs once now and on every change. */
  constructor(initial: ThemeChoice, apply: (choice: ThemeChoice) => void) {
    this.#choice = initial;
    this.#apply = apply;
    apply(initial);
  }

  get choice(): ThemeChoice {
    return this.#choice;
  }

  set choice(choice: ThemeChoice) {
    if (choice === this.#choice) return;
    this.#choice = choice;
    this.#apply(choice);
  }
}
