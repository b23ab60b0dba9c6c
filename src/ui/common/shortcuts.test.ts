import { describe, expect, it } from 'vitest';
import { isTyping, modKeyName, shortcutFor, SHORTCUTS, type KeyPress } from './shortcuts';

const key = (k: string, mods: Partial<Omit<KeyPress, 'key'>> = {}): KeyPress => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe('shortcutFor', () => {
  it('maps each shortcut key to its action', () => {
    expect(shortcutFor(key('s', { ctrlKey: true }), false)).toBe('save');
    expect(shortcutFor(key('s', { metaKey: true }), false)).toBe('save');
    expect(shortcutFor(key('S', { ctrlKey: true }), false)).toBe('save');
    expect(shortcutFor(key('r'), false)).toBe('rollback');
    expect(shortcutFor(key('c'), false)).toBe('compare');
    expect(shortcutFor(key('/'), false)).toBe('search');
    expect(shortcutFor(key('?'), false)).toBe('shortcuts');
  });

  it('while typing only Ctrl/Cmd+S acts', () => {
    expect(shortcutFor(key('s', { ctrlKey: true }), true)).toBe('save');
    for (const k of ['r', 'c', '/', '?']) expect(shortcutFor(key(k), true)).toBeNull();
  });

  it('leaves the browser its own modified keys and ignores other keys', () => {
    expect(shortcutFor(key('c', { ctrlKey: true }), false)).toBeNull(); // copy
    expect(shortcutFor(key('r', { metaKey: true }), false)).toBeNull(); // reload
    expect(shortcutFor(key('s', { ctrlKey: true, altKey: true }), false)).toBeNull();
    expect(shortcutFor(key('/', { altKey: true }), false)).toBeNull();
    expect(shortcutFor(key('s'), false)).toBeNull();
    expect(shortcutFor(key('Enter'), false)).toBeNull();
  });

  it('every listed shortcut is one the map answers', () => {
    const pressOf = (keys: readonly string[]): KeyPress => {
      const last = keys.at(-1) ?? '';
      return key(last.toLowerCase(), { ctrlKey: keys.includes('Mod') });
    };
    expect(SHORTCUTS.map((s) => shortcutFor(pressOf(s.keys), false))).toEqual(SHORTCUTS.map((s) => s.action));
  });
});

describe('isTyping', () => {
  it('text fields, text areas, list boxes and editable areas take keys as text', () => {
    expect(isTyping({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isTyping({ tagName: 'INPUT', type: 'search' })).toBe(true);
    expect(isTyping({ tagName: 'INPUT', type: 'number' })).toBe(true);
    expect(isTyping({ tagName: 'INPUT' })).toBe(true);
    expect(isTyping({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTyping({ tagName: 'SELECT' })).toBe(true);
    expect(isTyping({ tagName: 'DIV', isContentEditable: true })).toBe(true);
  });

  it('buttons, check boxes, radios and the page do not', () => {
    expect(isTyping(null)).toBe(false);
    expect(isTyping({ tagName: 'BUTTON' })).toBe(false);
    expect(isTyping({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(isTyping({ tagName: 'INPUT', type: 'radio' })).toBe(false);
    expect(isTyping({ tagName: 'BODY' })).toBe(false);
  });
});

it('names the modifier per platform', () => {
  expect(modKeyName('MacIntel')).toBe('⌘');
  expect(modKeyName('Win32')).toBe('Ctrl');
  expect(modKeyName('Linux x86_64')).toBe('Ctrl');
});
