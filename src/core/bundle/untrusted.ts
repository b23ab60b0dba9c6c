/**
 * Reading JSON that came from outside (bundles, model files): parse within limits, then check each field
 * with a reader that names the exact path of the first thing wrong.
 */
import { GraftError, type ErrorKey } from '../errors';
import { isHash } from '../hashing';
import type { JsonObject, JsonValue } from '../json';
import { LIMITS } from './limits';

export interface JsonLimits {
  readonly maxBytes: number;
  readonly maxDepth: number;
  readonly maxStringLength: number;
  readonly maxNodes: number;
}

export const MANIFEST_JSON_LIMITS: JsonLimits = {
  maxBytes: LIMITS.maxManifestBytes,
  maxDepth: LIMITS.maxJsonDepth,
  maxStringLength: LIMITS.maxStringLength,
  maxNodes: LIMITS.maxJsonNodes,
};

/** Keras topologies: nested models and wrapped layers go deeper than Graft's own manifests. */
export const TOPOLOGY_JSON_LIMITS: JsonLimits = { ...MANIFEST_JSON_LIMITS, maxDepth: 128 };

/** Names a value from a file in a message: quoted, on one line, and short enough to read. */
export function quote(value: string, max = 80): string {
  const oneLine = value.replace(/\s+/g, ' ');
  return `“${oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine}”`;
}

/**
 * Parses UTF-8 JSON and walks it once to enforce depth, size and string limits. Numbers that JSON.parse
 * turns into Infinity (`1e999`) are refused here, since nothing downstream can hash or store them.
 */
export function parseUntrustedJson(
  bytes: Uint8Array,
  limits: JsonLimits,
  fail: (problem: string) => never,
): JsonValue {
  if (bytes.byteLength > limits.maxBytes)
    fail(`it is ${bytes.byteLength} bytes, more than the ${limits.maxBytes} allowed`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('it is not UTF-8 text');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(`it is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  checkJsonShape(value, limits, fail);
  return value as JsonValue;
}

function checkJsonShape(root: unknown, limits: JsonLimits, fail: (problem: string) => never): void {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  let nodes = 0;
  while (stack.length) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    if (++nodes > limits.maxNodes) fail(`it holds more than ${limits.maxNodes} values`);
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength)
        fail(`it holds a string of ${value.length} characters (at most ${limits.maxStringLength})`);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) fail('it holds a number too large to represent');
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= limits.maxDepth) fail(`it is nested more than ${limits.maxDepth} levels deep`);
      const children = Array.isArray(value) ? value : Object.entries(value);
      for (const child of children) {
        if (Array.isArray(value)) stack.push({ value: child, depth: depth + 1 });
        else {
          const [key, v] = child as [string, unknown];
          if (key === '__proto__') fail('it holds a key named “__proto__”');
          if (key.length > limits.maxStringLength) fail('it holds an overlong key');
          stack.push({ value: v, depth: depth + 1 });
        }
      }
    }
  }
}

/**
 * Field readers for one untrusted document. Each takes the value and its path (`versions[2].message`)
 * and either returns it typed or throws `code` with "<what>: <path> <problem>".
 */
export class Fields {
  /** `key`'s message names what is wrong with `{path}` in `{problem}`. */
  constructor(private readonly key: ErrorKey) {}

  fail(path: string, problem: string): never {
    throw new GraftError(this.key, { path, problem });
  }

  object(v: unknown, path: string, allowed?: readonly string[]): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.fail(path, 'must be an object');
    const obj = v as Record<string, unknown>;
    if (allowed)
      for (const key of Object.keys(obj))
        if (!allowed.includes(key)) this.fail(path, `has an unknown field ${quote(key)}`);
    return obj;
  }

  json(v: unknown, path: string): JsonObject {
    return this.object(v, path) as JsonObject;
  }

  array(v: unknown, path: string, max: number): unknown[] {
    if (!Array.isArray(v)) return this.fail(path, 'must be a list');
    if (v.length > max) this.fail(path, `has ${v.length} items, more than the ${max} allowed`);
    return v;
  }

  string(v: unknown, path: string, max: number, min = 0): string {
    if (typeof v !== 'string') return this.fail(path, 'must be text');
    if (v.length > max) this.fail(path, `is ${v.length} characters long, more than the ${max} allowed`);
    if (v.length < min) this.fail(path, 'must not be empty');
    return v;
  }

  integer(v: unknown, path: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return this.fail(path, 'must be a whole number');
    if (v < min || v > max) this.fail(path, `is ${v}, outside ${min}…${max}`);
    return v;
  }

  number(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.fail(path, 'must be a finite number');
    return v;
  }

  boolean(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') return this.fail(path, 'must be true or false');
    return v;
  }

  oneOf<T extends string>(v: unknown, path: string, options: readonly T[]): T {
    if (typeof v !== 'string' || !(options as readonly string[]).includes(v))
      return this.fail(path, `must be one of ${options.join(', ')}`);
    return v as T;
  }

  hash<H extends string>(v: unknown, path: string): H {
    if (!isHash(v)) return this.fail(path, 'must be a SHA-256 hex digest');
    return v as H;
  }

  date(v: unknown, path: string): string {
    const s = this.string(v, path, 64, 1);
    if (Number.isNaN(Date.parse(s))) this.fail(path, 'must be a date');
    return s;
  }

  /** Tensor shapes: safe non-negative integers whose product stays within `maxElements`. */
  shape(v: unknown, path: string, maxElements: number = LIMITS.maxTensorElements): number[] {
    const dims = this.array(v, path, LIMITS.maxDims).map((d, i) =>
      this.integer(d, `${path}[${i}]`, 0, Number.MAX_SAFE_INTEGER),
    );
    let count = 1;
    for (const d of dims) {
      count *= d;
      if (count > maxElements)
        this.fail(path, `is [${dims.join(', ')}], more than ${maxElements} elements in one tensor`);
    }
    return dims;
  }
}
