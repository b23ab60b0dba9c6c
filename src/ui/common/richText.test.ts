import { afterEach, describe, expect, it } from 'vitest';
import { locale } from '../i18n';
import { around } from './richText';

describe('around', () => {
  afterEach(() => {
    locale.lang = 'en';
  });

  it('splits a message around a placeholder, in each language’s word order', () => {
    locale.lang = 'en';
    expect(around('compare.behaviour.agree', 'percent')).toEqual(['', ' of predictions agree']);
    locale.lang = 'zh-CN';
    const [before, after] = around('compare.behaviour.agree', 'percent');
    expect(before + '97%' + after).toMatch(/^有 97% 的预测一致/);
  });

  it('fills the other placeholders', () => {
    locale.lang = 'en';
    expect(around('compare.weights.unmoved', 'names', { count: 2 })).toEqual([
      '2 layers did not move at all: ',
      '.',
    ]);
    locale.lang = 'zh-CN';
    expect(around('compare.weights.unmoved', 'names', { count: 2 })).toEqual(['有 2 层完全没有变化：', '。']);
  });
});
