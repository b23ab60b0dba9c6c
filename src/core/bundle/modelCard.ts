/**
 * The README.md model card beside each version's model.json: what the version is for, how it was made,
 * what it scored, its architecture and its weights, readable without Graft. Every value from the user
 * or from another tool is escaped, so a message can never become markup or a link.
 */
import { shortId } from '../hashing';
import type { JsonObject, JsonValue } from '../json';
import { shapeText, type Dims } from '../model/shapeText';
import { inputShapesOf, outputShapesOf } from '../versions/summary';
import { OPTIMIZER_LABELS } from '../model/training';
import type { Version, VersionAttachments } from '../versions/types';
import { topologyLayers } from './modelJson';

const CHANGE_WORDS: Record<Version['change'], string> = {
  created: 'created (a new model)',
  trained: 'trained',
  edited: 'edited (architecture changed)',
  imported: 'imported from files',
  checkpoint: 'checkpoint during training',
  rollback: 'rollback (restores an earlier version)',
  merged: 'merged',
};

const MAX_PROVENANCE_LINES = 60;
const MAX_VALUE = 200;

/** Markdown text that renders as exactly the characters given, on one line. */
export function mdText(value: string): string {
  return value
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*_[\]|<>&~]/g, (c) => `\\${c}`)
    .replace(/^([#+\-=>])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

const code = (s: string) => `\`${s.replace(/`/g, '')}\``;

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(head: string[], rows: string[][]): string[] {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)];
}

/** "input [batch, 4]", or "inputs [batch, any, 8] and [batch, 4]" for a model with several. */
function shapesPhrase(what: 'input' | 'output', shapes: readonly Dims[]): string {
  if (shapes.length === 0) return `${what} —`;
  if (shapes.length === 1) return `${what} ${shapeText(shapes[0] as Dims)}`;
  const texts = shapes.map((s) => shapeText(s));
  return `${what}s ${texts.slice(0, -1).join(', ')} and ${texts[texts.length - 1]}`;
}

function flatten(value: JsonValue, prefix: string, out: [string, string][]): void {
  if (out.length >= MAX_PROVENANCE_LINES) return;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  out.push([prefix, text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text]);
}

export interface ModelCardContext {
  readonly repositoryName: string;
  readonly topology: JsonObject;
  /** What the bundle carries beside the version: its optimizer state, its data. */
  readonly attachments?: VersionAttachments;
}

export function modelCard(version: Version, ctx: ModelCardContext): string {
  const lines: string[] = [
    `# ${mdText(ctx.repositoryName)} — version ${code(shortId(version.id))}`,
    '',
    ...(version.message.trim()
      ? version.message.split(/\r?\n/).map((l) => `> ${mdText(l)}`)
      : ['> (no message)']),
    '',
    ...table(
      ['', ''],
      [
        ['Version', code(version.id)],
        ['Created', mdText(version.createdAt)],
        ['Kind of change', mdText(CHANGE_WORDS[version.change])],
        ['Parents', version.parents.length ? version.parents.map(code).join(', ') : 'none (first version)'],
        ...(version.restoredFrom ? [['Restores', code(version.restoredFrom)]] : []),
      ],
    ),
    '',
    '## Data and provenance',
    '',
    ...provenanceLines(version),
    '',
    '## Metrics',
    '',
    ...metricLines(version),
    '',
    '## Architecture',
    '',
    ...architectureLines(version, ctx.topology),
    '',
    '## Weights',
    '',
    ...table(
      ['Name', 'Shape', 'Dtype', 'Bytes', 'SHA-256'],
      version.tensors.map((t) => [
        mdText(t.name),
        shapeText(t.shape),
        t.dtype,
        String(t.byteLength),
        code(t.hash),
      ]),
    ),
    '',
    ...keptLines(ctx.attachments),
    '## Using these files',
    '',
    'The `model.json` beside this file is a standard TensorFlow.js Layers model. Its weights are the',
    'files under `../../blobs/`, named by their SHA-256. Keep the bundle’s folders together and load it',
    "with `tf.loadLayersModel('…/model.json')`.",
    '',
  ];
  return lines.join('\n');
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The optimizer state and data the bundle carries with this version, when it carries any. */
function keptLines(kept: VersionAttachments | undefined): string[] {
  if (!kept?.optimizer && !kept?.data) return [];
  const lines = ['## Kept beside this version', ''];
  const o = kept.optimizer;
  if (o) {
    const bytes = o.tensors.reduce((n, t) => n + t.byteLength, 0);
    lines.push(
      `- **Optimizer state**: ${OPTIMIZER_LABELS[o.optimizer]} (learning rate ${o.learningRate}) after ${count(o.iterations, 'step')} over ${count(o.epochs, 'epoch')}; ${count(o.tensors.length, 'tensor')}, ${bytes} bytes, under \`../../blobs/\` (not part of the model.json). Graft continues training from it.`,
    );
  }
  if (kept.data)
    lines.push(
      `- **Training data**: ${kept.data.byteLength} bytes, \`../../blobs/${kept.data.hash}\`, exactly as the version was trained on.`,
    );
  lines.push('');
  return lines;
}

function provenanceLines(version: Version): string[] {
  const pairs: [string, string][] = [];
  flatten(version.provenance as JsonValue, '', pairs);
  if (pairs.length === 0) return ['Nothing recorded.'];
  return pairs.map(([k, v]) => `- **${mdText(k)}**: ${mdText(v)}`);
}

function metricLines(version: Version): string[] {
  const entries = Object.entries(version.metrics);
  if (entries.length === 0) return ['None recorded.'];
  return table(
    ['Metric', 'Value'],
    entries.map(([k, v]) => [mdText(k), String(v)]),
  );
}

function architectureLines(version: Version, topology: JsonObject): string[] {
  const s = version.summary;
  const lines = [
    `${mdText(s.className)} with ${s.layerCount} layers and ${s.paramCount} parameters; ${shapesPhrase('input', inputShapesOf(s))}, ${shapesPhrase('output', outputShapesOf(s))}.`,
  ];
  const layers = topologyLayers(topology);
  if (layers.length)
    lines.push(
      '',
      ...table(
        ['Layer', 'Class'],
        layers.map((l) => [mdText(l.name), mdText(l.className)]),
      ),
    );
  return lines;
}
