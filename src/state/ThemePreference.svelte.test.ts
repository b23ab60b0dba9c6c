import { describe, expect, it } from 'vitest';
import { isThemeChoice, ThemePreference } from './ThemePreference.svelte';

describe('ThemePreference', () => {
  it('applies the initial choice at once and every change after it, once each', () => {
    const applied: string[] = [];
    const pref = new ThemePreference('system', (c) => applied.push(c));
    pref.choice = 'dark';
    pref.choice = 'dark';
    pref.choice = 'light';
    expect(applied).toEqual(['system', 'dark', 'light']);
    expect(pref.choice).toBe('light');
  });

  it('accepts only the three choices from storage', () => {
    expect(['system', 'light', 'dark'].every(isThemeChoice)).toBe(true);
    expect(isThemeChoice('solarized')).toBe(false);
    expect(isThemeChoice(null)).toBe(false);
  });
});
