/**
 * Graft's keyboard shortcuts as a pure map from a key press to an action, so what each key does (and when
 * it does nothing) is tested without a browser. The window listener lives in ui/help/KeyboardShortcuts.
 */

export type ShortcutAction = 'save' | 'rollback' | 'compare' | 'search' | 'shortcuts';

/** The parts of a KeyboardEvent the map reads. */
export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

/** The parts of an element that say whether keys typed into it are text. */
export interface FocusTarget {
  readonly tagName: string;
  readonly type?: string;
  readonly isContentEditable?: boolean;
}

/** Every shortcut, in the order the shortcut list shows them; `keys` are the keys to press together. */
export const SHORTCUTS: readonly { readonly action: ShortcutAction; readonly keys: readonly string[] }[] = [
  { action: 'save', keys: ['Mod', 'S'] },
  { action: 'rollback', keys: ['R'] },
  { action: 'compare', keys: ['C'] },
  { action: 'search', keys: ['/'] },
  { action: 'shortcuts', keys: ['?'] },
];

// Inputs whose keys are not text: a letter pressed on a checkbox or a button is free for a shortcut.
const NOT_TEXT = new Set([
  'button',
  'checkbox',
  'color',
  'file',
  'image',
  'radio',
  'range',
  'reset',
  'submit',
]);

/** Whether keys pressed with `target` focused go into text (a text field, a list box, an editable area). */
export function isTyping(target: FocusTarget | null): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && !NOT_TEXT.has((target.type ?? 'text').toLowerCase());
}

/**
 * The action a key press asks for, or null. While the person is typing only Ctrl/Cmd+S acts (saving is
 * what they mean from the message field too); single-key shortcuts never act with a modifier held, so the
 * browser's and the system's own shortcuts keep working.
 */
export function shortcutFor(press: KeyPress, typing: boolean): ShortcutAction | null {
  const mod = press.ctrlKey || press.metaKey;
  if (mod && !press.altKey && press.key.toLowerCase() === 's') return 'save';
  if (typing || mod || press.altKey) return null;
  switch (press.key) {
    case '/':
      return 'search';
    case '?':
      return 'shortcuts';
    case 'r':
    case 'R':
      return 'rollback';
    case 'c':
    case 'C':
      return 'compare';
    default:
      return null;
  }
}

/** How "Mod" is written on this platform: ⌘ on Apple systems, Ctrl elsewhere. */
export function modKeyName(platform: string): string {
  return /mac|iphone|ipad|ipod/i.test(platform) ? '⌘' : 'Ctrl';
}
