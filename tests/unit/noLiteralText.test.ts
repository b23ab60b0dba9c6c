// The lint rule that keeps words out of Svelte markup: it must flag what a person reads and nothing else.
import { Linter } from 'eslint';
import svelte from 'eslint-plugin-svelte';
import { describe, expect, it } from 'vitest';
import rule from '../../eslint/noLiteralText.js';

function problems(source: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(
    source,
    [
      ...svelte.configs['flat/base'],
      {
        files: ['**/*.svelte'],
        plugins: { graft: { rules: { 'no-literal-text': rule } } },
        rules: { 'graft/no-literal-text': ['error', { allow: ['Graft'] }] },
      },
    ],
    'Example.svelte',
  );
  return messages.map((m) => m.message);
}

describe('graft/no-literal-text', () => {
  it('flags words in markup and in attributes a person reads', () => {
    expect(problems('<p>Save the model</p>')).toEqual([
      'Literal text “Save the model” in markup: put it in src/locales/*.json and use t().',
    ]);
    expect(problems('<button aria-label="Close">×</button>')).toHaveLength(1);
    expect(problems('<input placeholder="Name" />')).toHaveLength(1);
    expect(problems('<p>保存</p>')).toHaveLength(1);
  });

  it('passes catalogue text, symbols, allowed names, code, and hidden glyphs', () => {
    expect(problems('<p>{t("model.save")}</p>')).toEqual([]);
    expect(problems('<span>× → · 42%</span>')).toEqual([]);
    expect(problems('<h1>Graft</h1>')).toEqual([]);
    expect(problems('<p><code>model.json</code> <kbd>Ctrl</kbd></p>')).toEqual([]);
    expect(problems('<span aria-hidden="true">文A</span>')).toEqual([]);
    expect(problems('<div class="row" data-testid="history-row"></div>')).toEqual([]);
    expect(problems('<script>const a = "words";</script><style>p { content: "x"; }</style>')).toEqual([]);
  });
});
