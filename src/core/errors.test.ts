// An error is a code, a catalogue key and data: its English message comes from the catalogue, and it
// crosses a worker boundary as plain data.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { codeOf, GraftError, isGraftError, part, toGraftError, type ErrorKey } from './errors';
import en from '../locales/errors.en.json';

describe('GraftError', () => {
  it('takes its code from its key and its English message from the catalogue, filled from its data', () => {
    const e = new GraftError('error.bundle/missing-file.listed', { file: 'a.bin', name: '“a.bin”' });
    expect(e.code).toBe('bundle/missing-file');
    expect(e.key).toBe('error.bundle/missing-file.listed');
    expect(e.message).toBe('The bundle is incomplete: “a.bin” is missing.');
    expect(e.data).toEqual({ file: 'a.bin', name: '“a.bin”' });
    expect(isGraftError(e, 'bundle/missing-file')).toBe(true);
    expect(new GraftError('error.internal').code).toBe('internal');
  });

  it('words phrases (errorPart.*) inside its English message', () => {
    const e = new GraftError('error.bundle/corrupt.zip', {
      label: part('errorPart.this-bundle'),
      problem: { part: 'errorPart.zip.checksum', vars: { file: '“x”' } },
    });
    expect(e.message).toBe('This bundle is damaged or not a zip file: “x” does not match its checksum.');
  });

  it('round-trips through JSON and structured clone as code, key and data', () => {
    const cause = new Error('inner');
    const e = new GraftError(
      'error.train/nan-loss.at',
      {
        epoch: 1,
        batch: 2,
        loss: NaN,
        history: [{ loss: 1 }],
        what: 'NaN',
        epochNumber: 2,
        batchNumber: 3,
        learningRate: 0.1,
      },
      { cause },
    );
    const wire = structuredClone(e.toJSON());
    expect(wire).toMatchObject({ code: 'train/nan-loss', key: 'error.train/nan-loss.at' });
    expect(wire).not.toHaveProperty('text');
    const back = GraftError.fromJSON(wire);
    expect(back).toBeInstanceOf(GraftError);
    expect(back.code).toBe(e.code);
    expect(back.key).toBe(e.key);
    expect(back.message).toBe(e.message);
    expect(back.data['history']).toEqual([{ loss: 1 }]);
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ key: e.key, code: e.code });
  });

  it('keeps the words when its data cannot be cloned', () => {
    const e = new GraftError('error.import/weights-no-match.tensors', {
      file: 'w.h5',
      tensors: 3,
      fn: () => 1,
    });
    const back = GraftError.fromJSON(structuredClone(e.toJSON()));
    expect(back.message).toBe(e.message);
    expect(back.data).not.toHaveProperty('fn');
  });

  it('keeps a key this build does not know as its code’s general line', () => {
    const back = GraftError.fromJSON({
      code: 'bundle/corrupt',
      key: 'error.bundle/corrupt.from-the-future' as ErrorKey,
      data: {},
    });
    expect(back.code).toBe('bundle/corrupt');
    expect(back.message).toBe(en['error.bundle/corrupt']);
  });

  it('wraps a foreign exception with its message as data', () => {
    const foreign = new TypeError('x is not a function');
    const e = toGraftError(foreign);
    expect(e.code).toBe('internal');
    expect(e.data).toEqual({ detail: 'x is not a function' });
    expect(e.message).toBe('Something went wrong: x is not a function');
    expect(e.cause).toBe(foreign);
    expect(toGraftError('plain').data).toEqual({ detail: 'plain' });
    expect(toGraftError(e)).toBe(e);
  });

  it('names an existing code in every catalogue key', () => {
    for (const key of Object.keys(en).filter((k) => k.startsWith('error.')))
      expect({ key, general: `error.${codeOf(key as ErrorKey)}` in en }).toEqual({ key, general: true });
  });
});

// `throw new Error` that no user reads: TF.js's own wording mimicked, and the HDF5 reader's inner failures
// (which become the cause, and the detail, of a catalogued `import/hdf5-invalid`).
const PLAIN_ERROR_ALLOWLIST: readonly string[] = ['src/formats/hdf5.ts', 'src/ml/tfjsFixes.ts'];

const SRC = join(__dirname, '..');
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    // Tests and test-only modules (test<Subject>.ts, which lint keeps out of app code) reach no user.
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) && !/^test[A-Z]/.test(name) ? [p] : [];
  });
}

/** `new GraftError(…)` whose message is written out (a string or template literal) and `throw new Error(…)`. */
function sentences(text: string): { graft: number; plain: number } {
  const source = ts.createSourceFile('scanned.ts', text, ts.ScriptTarget.Latest, true);
  const found = { graft: 0, plain: 0 };
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node)) {
      const name = node.expression.getText(source);
      const [first, second] = node.arguments ?? [];
      const literal = (n: ts.Node | undefined) => !!n && (ts.isStringLiteral(n) || ts.isTemplateLiteral(n));
      if (
        name === 'GraftError' &&
        (literal(second) || (literal(first) && !/^['`]error\./.test(first?.getText(source) ?? '')))
      )
        found.graft++;
      if (name === 'Error' && ts.isThrowStatement(node.parent) && literal(first)) found.plain++;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('errors are worded in the catalogue', () => {
  const files = sources(SRC).map((f) => ({
    file: relative(join(SRC, '..'), f).replaceAll('\\', '/'),
    ...sentences(readFileSync(f, 'utf8')),
  }));

  it('no GraftError is built from an English sentence', () => {
    const offenders = files.filter((f) => f.graft > 0).map((f) => f.file);
    expect(offenders).toEqual([]);
  });

  it('no plain Error with words for a user is thrown outside the allowlist', () => {
    const offenders = files
      .filter((f) => f.plain > 0 && !PLAIN_ERROR_ALLOWLIST.includes(f.file))
      .map((f) => f.file);
    expect(offenders).toEqual([]);
  });

  it('the scan finds the sentences it is meant to find', () => {
    expect(sentences(`throw new GraftError('ref/exists', 'That name is taken.');`).graft).toBe(1);
    expect(sentences('throw new GraftError(code, `Row ${row} is empty.`, { data });').graft).toBe(1);
    expect(sentences(`throw new GraftError('error.ref/exists', { name });`).graft).toBe(0);
    expect(sentences(`throw new GraftError(this.key, { path, problem });`).graft).toBe(0);
    expect(sentences(`throw new Error('The model is gone.');`).plain).toBe(1);
  });
});
