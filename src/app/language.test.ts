// Components follow the UI language: rendered in Chinese they read Chinese, and switching back restores English.
import type { Component } from 'svelte';
import { render } from 'svelte/server';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED_SPEC } from '../core/model/templates';
import { DEFAULT_TRAIN_CONFIG } from '../core/model/training';
import LayerEditor from '../ui/model/LayerEditor.svelte';
import TrainingPanel from '../ui/training/TrainingPanel.svelte';
import { locale } from '../ui/i18n';
import LanguageSwitch from './LanguageSwitch.svelte';

const noop = () => {};
const html = <P extends object>(component: Component<P>, props: P): string =>
  render(component, { props }).body.replace(/<!--[^>]*-->/g, '');

/** The visible text: tags dropped, whitespace collapsed. */
const text = (body: string) =>
  body
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

afterEach(() => {
  locale.lang = 'en';
});

describe('the UI language', () => {
  const panel = () =>
    html(TrainingPanel, {
      config: DEFAULT_TRAIN_CONFIG,
      running: true,
      progress: { epoch: 1, epochs: 4, batch: 5, batches: 10 },
      history: [],
      ontrain: noop,
      onstop: noop,
    });

  it('renders the training panel in Chinese, then in English again', () => {
    locale.lang = 'zh-CN';
    const zh = panel();
    expect(zh).toContain('aria-label="训练设置"');
    expect(text(zh)).toContain('学习率');
    expect(text(zh)).toContain('批大小');
    expect(text(zh)).toContain('优化器');
    expect(zh).toContain('aria-valuetext="第 2/4 轮，第 5/10 批"');
    expect(text(zh)).not.toMatch(/Learning rate|Batch size|Optimiser|Stop\b/);

    locale.lang = 'en';
    const en = panel();
    expect(en).toContain('aria-label="Training settings"');
    expect(text(en)).toContain('Learning rate');
    expect(en).toContain('aria-valuetext="Epoch 2 of 4, batch 5 of 10"');
    expect(text(en)).not.toMatch(/学习率|批大小/);
  });

  it('renders the layer editor in Chinese with the same shapes and counts', () => {
    locale.lang = 'zh-CN';
    const zh = html(LayerEditor, { spec: SEED_SPEC, onchange: noop });
    expect(zh).toContain('aria-label="第 1 层：hidden"');
    expect(text(zh)).toContain('添加层');
    expect(text(zh)).toContain('单元数');
    expect(text(zh)).toContain('6,464');
    expect(text(zh)).not.toMatch(/Add layer|Units|Activation/);
    locale.lang = 'en';
    expect(html(LayerEditor, { spec: SEED_SPEC, onchange: noop })).toContain('aria-label="Layer 1: hidden"');
  });

  it('offers both languages in a switcher that keeps the English word "Language" in its name', () => {
    const en = html(LanguageSwitch, {});
    expect(en).toContain('aria-label="Language"');
    expect(en).toMatch(/<option value="en"[^>]*>English<\/option>/);
    expect(en).toMatch(/<option value="zh-CN"[^>]*>简体中文<\/option>/);
    locale.lang = 'zh-CN';
    expect(html(LanguageSwitch, {})).toContain('aria-label="语言 · Language"');
  });
});
