import { describe, expect, it } from 'vitest';
import { canonicalJson, hashJson, sha256Hex, toHex } from './hashing';

describe('canonical JSON', () => {
  it('does not depend on key order, at any depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'x' } })).toBe(
      canonicalJson({ a: { c: 'x', d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
  it('drops undefined members and keeps arrays in order', () => {
    expect(canonicalJson({ a: undefined, b: [2, 1] })).toBe('{"b":[2,1]}');
  });
  it('refuses values that cannot be hashed reproducibly', () => {
    expect(() => canonicalJson({ a: NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ a: Infinity })).toThrow(/non-finite/);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(/function/);
  });
  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"': 'a\nb' })).toBe('{"k\\"":"a\\nb"}');
  });
});

describe('SHA-256', () => {
  it('matches the standard test vectors', async () => {
    expect(await sha256Hex(new Uint8Array(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
  it('hashes JSON by content, not by layout', async () => {
    expect(await hashJson({ x: 1, y: [1, 2] })).toBe(await hashJson({ y: [1, 2], x: 1 }));
    expect(await hashJson({ x: 1 })).not.toBe(await hashJson({ x: 2 }));
  });
  it('writes lowercase hex', () => {
    expect(toHex(new Uint8Array([0, 15, 255]))).toBe('000fff');
  });
});
