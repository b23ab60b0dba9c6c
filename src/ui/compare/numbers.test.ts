import { describe, expect, it } from 'vitest';
import {
  formatConfigValue,
  formatInt,
  formatIntDelta,
  formatPercent,
  formatSigned,
  formatValue,
} from './numbers';

describe('number formatting for diffs', () => {
  it('keeps four significant digits and switches to scientific notation at the extremes', () => {
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(12.5)).toBe('12.5');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(1.5e-7)).toBe('1.50e-7');
    expect(formatValue(-2.5e-5)).toBe('\u22122.50e-5');
    expect(formatValue(3e9)).toBe('3.00e+9');
    expect(formatValue(null)).toBe('—');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(-Infinity)).toBe('\u2212∞');
  });

  it('always shows the sign of a change', () => {
    expect(formatSigned(0.05)).toBe('+0.05');
    expect(formatSigned(-0.05)).toBe('\u22120.05');
    expect(formatSigned(0)).toBe('±0');
    expect(formatSigned(null)).toBe('—');
  });

  it('formats percentages, counts and count changes', () => {
    expect(formatPercent(0.9345)).toBe('93.5%');
    expect(formatPercent(null)).toBe('—');
    expect(formatInt(1234)).toBe((1234).toLocaleString());
    expect(formatIntDelta(26, 74)).toBe('+48');
    expect(formatIntDelta(74, 26)).toBe('\u221248');
    expect(formatIntDelta(5, 5)).toBe('');
    expect(formatIntDelta(null, 5)).toBe('');
  });

  it('shows config values on one short line', () => {
    expect(formatConfigValue('relu')).toBe('relu');
    expect(formatConfigValue(undefined)).toBe('(none)');
    expect(formatConfigValue([null, 3])).toBe('[null,3]');
    expect(formatConfigValue({ a: 'x'.repeat(100) })).toHaveLength(78);
  });
});
