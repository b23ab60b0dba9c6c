import { describe, expect, it } from 'vitest';
import type { BlobHash, VersionId } from '../hashing';
import { TEST_REPO } from '../testVersions';
import {
  EMPTY_QUERY,
  filterVersions,
  matchVersion,
  parseQuery,
  type QueryError,
  type VersionQuery,
} from './filter';
import type { ChangeKind, Metrics, Ref, VersionRow } from './types';

function row(
  idChar: string,
  message: string,
  change: ChangeKind,
  createdAt: string,
  metrics: Metrics = {},
): VersionRow {
  return {
    id: (idChar + '0'.repeat(63)) as VersionId,
    repoId: TEST_REPO,
    parents: [],
    message,
    createdAt,
    change,
    topologyHash: 'a'.repeat(64) as BlobHash,
    summary: { className: 'Sequential', layerCount: 1, paramCount: 2, inputShape: null, outputShape: null },
    metrics,
    tensorCount: 1,
    totalBytes: 8,
  };
}

const local = (y: number, m: number, d: number, h = 0) => new Date(y, m - 1, d, h).toISOString();

const versions: VersionRow[] = [
  row('1', 'Seed model, untrained', 'created', local(2025, 12, 30, 9)),
  row('2', 'Train 20 epochs', 'trained', local(2026, 1, 2, 10), { loss: 0.4, acc: 0.86, val_acc: 0.84 }),
  row('3', 'Add dropout layer', 'edited', local(2026, 1, 15, 12)),
  row('4', 'Train again with dropout', 'trained', local(2026, 1, 15, 18), {
    loss: 0.3,
    accuracy: 0.93,
    val_acc: 0.91,
  }),
  row('5', 'Roll back to 2', 'rollback', local(2026, 2, 1, 8), { loss: 0.4, acc: 0.86, val_acc: 0.84 }),
];
const ref = (name: string, kind: Ref['kind'], idChar: string): Ref => ({
  repoId: TEST_REPO,
  name,
  kind,
  target: (idChar + '0'.repeat(63)) as VersionId,
  updatedAt: local(2026, 2, 1),
});
const refs: Ref[] = [
  ref('main', 'branch', '5'),
  ref('experiment/dropout', 'branch', '4'),
  ref('best', 'tag', '4'),
  ref('release-1', 'tag', '2'),
  ref('release-2', 'tag', '4'),
];

const NOW = new Date(2026, 1, 1, 12).getTime();

function q(source: string): VersionQuery {
  const r = parseQuery(source, { now: NOW });
  if (!r.ok) throw new Error(`${r.error.message} at ${r.error.start}-${r.error.end}`);
  return r.value;
}
function problem(source: string): QueryError {
  const r = parseQuery(source, { now: NOW });
  if (r.ok) throw new Error(`"${source}" parsed`);
  return r.error;
}
const ids = (source: string) => filterVersions(versions, refs, q(source)).map((v) => v.id[0]);

describe('parseQuery', () => {
  it('parses the example from the issue into terms', () => {
    expect(q('kind:trained tag:best acc>0.9 after:2026-01-01 some words').terms).toEqual([
      { type: 'kind', kinds: ['trained'], negated: false },
      { type: 'ref', refKind: 'tag', names: ['best'], negated: false },
      { type: 'metric', name: 'acc', op: '>', value: 0.9, negated: false },
      { type: 'date', from: new Date(2026, 0, 1).getTime(), until: null, negated: false },
      { type: 'text', text: 'some', negated: false },
      { type: 'text', text: 'words', negated: false },
    ]);
  });

  it('gives an empty query for blank input', () => {
    expect(q('   ').terms).toEqual([]);
    expect(filterVersions(versions, refs, EMPTY_QUERY)).toHaveLength(5);
  });

  it('reads every comparison operator, percentages and spaces around the operator', () => {
    const ops = q('a>1 b>=2 c<3 d<=4 e=5 f!=6 g>90% h >= 0.5 i >.25 j<-1e-3').terms.map((t) =>
      t.type === 'metric' ? `${t.name}${t.op}${t.value}` : t.type,
    );
    expect(ops).toEqual([
      'a>1',
      'b>=2',
      'c<3',
      'd<=4',
      'e=5',
      'f!=6',
      'g>0.9',
      'h>=0.5',
      'i>0.25',
      'j<-0.001',
    ]);
  });

  it('keeps quoted phrases together, including inside a filter value', () => {
    expect(q('"two words" tag:"my tag" -"not this"').terms).toEqual([
      { type: 'text', text: 'two words', negated: false },
      { type: 'ref', refKind: 'tag', names: ['my tag'], negated: false },
      { type: 'text', text: 'not this', negated: true },
    ]);
    expect(q('"kind:trained"').terms).toEqual([{ type: 'text', text: 'kind:trained', negated: false }]);
    expect(q('"say \\"hi\\""').terms).toEqual([{ type: 'text', text: 'say "hi"', negated: false }]);
  });

  it('reads comma lists as alternatives and a leading minus as exclusion', () => {
    expect(q('kind:Trained,edited -tag:best').terms).toEqual([
      { type: 'kind', kinds: ['trained', 'edited'], negated: false },
      { type: 'ref', refKind: 'tag', names: ['best'], negated: true },
    ]);
    expect(q('-5').terms).toEqual([{ type: 'text', text: '-5', negated: false }]);
  });

  it('reads calendar days, months and years in local time, relative times and instants', () => {
    const day = q('on:2026-01-15').terms[0];
    expect(day).toMatchObject({
      from: new Date(2026, 0, 15).getTime(),
      until: new Date(2026, 0, 16).getTime(),
    });
    expect(q('on:2026-02').terms[0]).toMatchObject({
      from: new Date(2026, 1, 1).getTime(),
      until: new Date(2026, 2, 1).getTime(),
    });
    expect(q('on:2025').terms[0]).toMatchObject({ from: new Date(2025, 0, 1).getTime() });
    expect(q('before:2026-01-15').terms[0]).toMatchObject({
      from: null,
      until: new Date(2026, 0, 15).getTime(),
    });
    expect(q('after:7d').terms[0]).toMatchObject({ from: NOW - 7 * 86_400_000, until: null });
    expect(q('since:2w').terms[0]).toMatchObject({ from: NOW - 14 * 86_400_000 });
    expect(q('after:2026-01-15T12:00:00Z').terms[0]).toMatchObject({ from: Date.UTC(2026, 0, 15, 12) });
    expect(q('on:today').terms[0]).toMatchObject({ from: new Date(2026, 1, 1).getTime() });
  });

  it('explains bad syntax and points at it instead of throwing', () => {
    expect(problem('tag:best "open')).toMatchObject({ start: 9, end: 14 });
    expect(problem('tag:best "open').message).toMatch(/quote is not closed/);
    const unknown = problem('words color:red');
    expect(unknown).toMatchObject({ start: 6, end: 15 });
    expect(unknown.message).toMatch(/Unknown filter "color:".*quotes/);
    expect(problem('kind:trianed').message).toMatch(/no kind of change "trianed".*created, trained/);
    expect(problem('tag:').message).toMatch(/needs a value, for example tag:best/);
    expect(problem('kind:,').message).toMatch(/needs a value, for example kind:trained/);
    expect(problem('acc>high').message).toMatch(/"high" is not a number/);
    expect(problem('acc>').message).toMatch(/needs a number/);
    expect(problem('>0.9').message).toMatch(/compares nothing/);
    expect(problem('after:yesterday-ish').message).toMatch(/is not a date/);
    expect(problem('after:2026-02-31').message).toMatch(/is not a date/);
    expect(problem('on:7d').message).toMatch(/takes a day, month or year/);
    expect(problem('id:xyz').message).toMatch(/not the start of a version id/);
  });
});

describe('filterVersions', () => {
  it('searches messages case-insensitively, every word required', () => {
    expect(ids('dropout')).toEqual(['3', '4']);
    expect(ids('TRAIN dropout')).toEqual(['4']);
    expect(ids('message:best')).toEqual([]);
  });

  it('finds a version by its amended message and by the original', () => {
    const amended = {
      ...(versions[2] as VersionRow),
      note: { message: 'Regularise the head', at: local(2026, 2, 2) },
    };
    const rows = [amended];
    expect(filterVersions(rows, [], q('regularise')).length).toBe(1);
    expect(filterVersions(rows, [], q('message:dropout')).length).toBe(1);
    expect(filterVersions(rows, [], q('-regularise')).length).toBe(0);
  });

  it('finds versions by id prefix', () => {
    expect(ids('id:4')).toEqual(['4']);
    expect(ids('40000')).toEqual(['4']);
    // Shorter words are too common to read as ids.
    expect(ids('400')).toEqual([]);
  });

  it('finds versions by tag, branch and any ref, with wildcards', () => {
    expect(ids('tag:best')).toEqual(['4']);
    expect(ids('tag:main')).toEqual([]);
    expect(ids('branch:main')).toEqual(['5']);
    expect(ids('ref:main')).toEqual(['5']);
    expect(ids('tag:release-*')).toEqual(['2', '4']);
    expect(ids('branch:experiment/*')).toEqual(['4']);
    expect(ids('best')).toEqual(['4']);
  });

  it('filters by kind of change', () => {
    expect(ids('kind:trained')).toEqual(['2', '4']);
    expect(ids('kind:rollback,created')).toEqual(['1', '5']);
    expect(ids('-kind:trained')).toEqual(['1', '3', '5']);
  });

  it('filters by metric range, reading acc and accuracy as one metric', () => {
    expect(ids('val_acc>=0.9')).toEqual(['4']);
    expect(ids('acc>0.9')).toEqual(['4']);
    expect(ids('accuracy<0.9')).toEqual(['2', '5']);
    expect(ids('loss>0.3 loss<=0.4')).toEqual(['2', '5']);
    expect(ids('val_accuracy != 0.84')).toEqual(['4']);
    // A version without the metric never matches a comparison on it…
    expect(ids('loss<1')).toEqual(['2', '4', '5']);
    // …but does match its negation.
    expect(ids('-loss<1')).toEqual(['1', '3']);
  });

  it('filters by date range', () => {
    expect(ids('after:2026-01-01')).toEqual(['2', '3', '4', '5']);
    expect(ids('before:2026-01-15')).toEqual(['1', '2']);
    expect(ids('on:2026-01-15')).toEqual(['3', '4']);
    expect(ids('after:2026-01-02 before:2026-02')).toEqual(['2', '3', '4']);
    expect(ids('on:2025')).toEqual(['1']);
    expect(ids('after:3d')).toEqual(['5']);
  });

  it('combines everything: every term must hold', () => {
    expect(ids('kind:trained tag:best acc>0.9 after:2026-01-01 dropout')).toEqual(['4']);
    expect(ids('kind:trained -tag:best')).toEqual(['2']);
  });

  it('matches one row against the refs given for it', () => {
    const v = versions[3] as VersionRow;
    expect(matchVersion(v, [{ name: 'best', kind: 'tag' }], q('tag:best'))).toBe(true);
    expect(matchVersion(v, [], q('tag:best'))).toBe(false);
  });

  it('keeps the given order and the rows’ own type', () => {
    const reversed = [...versions].reverse().map((v) => ({ ...v, extra: true }));
    const out = filterVersions(reversed, refs, q('kind:trained'));
    expect(out.map((v) => v.id[0])).toEqual(['4', '2']);
    expect(out[0]?.extra).toBe(true);
  });

  it('filters 10,000 rows', () => {
    const many = Array.from({ length: 10_000 }, (_, i) =>
      row((i % 16).toString(16), `run ${i}`, i % 3 ? 'trained' : 'edited', local(2026, 1, 1 + (i % 28)), {
        acc: (i % 100) / 100,
      }),
    );
    expect(filterVersions(many, refs, q('kind:trained acc>=0.99')).length).toBe(66);
  });
});
