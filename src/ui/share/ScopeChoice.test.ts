import { createRawSnippet } from 'svelte';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import ScopeChoice from './ScopeChoice.svelte';

describe('ScopeChoice', () => {
  it('is a radio of the one "scope" group named by its label, with its pickers and detail after it', () => {
    const picker = createRawSnippet(() => ({ render: () => '<select aria-label="Branch"></select>' }));
    const { body } = render(ScopeChoice, {
      props: {
        kind: 'branch',
        label: 'One branch',
        checked: true,
        onchoose: () => {},
        detail: '3 versions, with ancestors',
        children: picker,
      },
    });
    expect(body).toMatch(
      /<label[^>]*><input type="radio" name="scope" value="branch" checked[^>]*\/?> One branch<\/label>/,
    );
    expect(body.indexOf('<select aria-label="Branch">')).toBeGreaterThan(body.indexOf('</label>'));
    expect(body.indexOf('3 versions, with ancestors')).toBeGreaterThan(body.indexOf('<select'));
  });

  it('leaves out the detail it is not given, and is unchecked when another scope is chosen', () => {
    const { body } = render(ScopeChoice, {
      props: { kind: 'version', label: 'One version', checked: false, onchoose: () => {} },
    });
    expect(body).not.toContain('checked');
    expect(body).not.toContain('detail');
  });
});
