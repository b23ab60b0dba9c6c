/** Server-side renders of the model import dialog: every input and output, and each fact about the files once. */
import { render } from 'svelte/server';
import { afterEach, describe, expect, it } from 'vitest';
import { summaryShapes } from '../../core/versions/summary';
import type { ModelSource } from '../../core/ports';
import type { PendingModelImport } from '../../state/Share.svelte';
import { locale } from '../i18n';
import ModelImportDialog from './ModelImportDialog.svelte';

afterEach(() => {
  locale.lang = 'en';
});

const SOURCE: ModelSource = {
  format: 'layers-model',
  generatedBy: 'keras v2.15.0',
  convertedBy: 'TensorFlow.js Converter v4.22.0',
  kerasVersion: '2.15.0',
  backend: 'tensorflow',
  modelFile: 'reviews/model.json',
  weightFiles: ['reviews/group1-shard1of1.bin'],
  graftVersionId: null,
  modelName: 'review_scorer',
};

function pending(source: ModelSource = SOURCE, several = true): PendingModelImport<unknown> {
  return {
    model: null,
    earlier: [],
    summary: {
      className: 'Functional',
      layerCount: 7,
      paramCount: 6352,
      ...(several
        ? summaryShapes(
            [
              [null, null, 81],
              [null, 4],
            ],
            [
              [null, 3],
              [null, 1],
            ],
          )
        : summaryShapes([[null, null, 81]], [[null, 3]])),
    },
    source,
    warnings: [],
    files: ['reviews/model.json', 'reviews/group1-shard1of1.bin'],
    suggestedName: 'review_scorer',
    suggestedMessage: 'Imported review_scorer (keras v2.15.0)',
  };
}

function summaryOf(p: PendingModelImport<unknown>): string {
  const props = {
    pending: p,
    repoName: null,
    branch: null,
    unsaved: null,
    onconfirm: () => {},
    oncancel: () => {},
  };
  const body = render(ModelImportDialog, { props }).body.replace(/<!--[^>]*-->/g, '');
  return /<p class="muted[^"]*">([^<]*)<\/p>/.exec(body)?.[1]?.trim() ?? '';
}

describe('the model import dialog', () => {
  it('shows every input and output, and names Keras’s version once', () => {
    expect(summaryOf(pending())).toBe(
      'Functional, 7 layers, 6,352 parameters, 2 inputs [batch, any, 81], [batch, 4] → 2 outputs [batch, 3], [batch, 1]. Made by keras v2.15.0 · TensorFlow.js Converter v4.22.0.',
    );
  });

  it('keeps one input and one output as they were', () => {
    expect(summaryOf(pending(SOURCE, false))).toBe(
      'Functional, 7 layers, 6,352 parameters, input [batch, any, 81] → output [batch, 3]. Made by keras v2.15.0 · TensorFlow.js Converter v4.22.0.',
    );
  });

  it('names Keras’s version when nothing else says it', () => {
    const old = { ...SOURCE, generatedBy: null, convertedBy: null, kerasVersion: '2.1.6' };
    // SOURCE's backend ("tensorflow") says what the Keras ran on.
    expect(summaryOf(pending(old, false))).toMatch(/Made by Keras 2\.1\.6 \(tensorflow\)\.$/);
    expect(summaryOf(pending({ ...old, backend: null }, false))).toMatch(/Made by Keras 2\.1\.6\.$/);
    const tfjs = {
      ...SOURCE,
      generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
      convertedBy: null,
      kerasVersion: 'tfjs-layers 4.22.0',
    };
    expect(summaryOf(pending(tfjs, false))).toMatch(/Made by TensorFlow\.js tfjs-layers v4\.22\.0\.$/);
  });

  it('speaks Chinese', () => {
    locale.lang = 'zh-CN';
    expect(summaryOf(pending())).toContain('2 个输入 [批, 任意, 81]、[批, 4] → 2 个输出 [批, 3]、[批, 1]');
  });
});
