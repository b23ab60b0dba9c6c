/**
 * `graft/no-literal-text`: words a person reads come from the catalogues (src/locales), never from literal
 * text in Svelte markup, as Excalidraw bans literal strings in JSX. Text made only of symbols, digits and
 * punctuation (“×”, “→”, “·”, “%”) is not words and passes, as do the names listed in `allow` (product and
 * format names that no language translates).
 */
const WORDS = /\p{L}/u;
/** Attributes whose value a person reads or hears. */
const READ_ATTRIBUTES = new Set([
  'aria-label',
  'aria-description',
  'aria-roledescription',
  'aria-placeholder',
  'aria-valuetext',
  'title',
  'alt',
  'placeholder',
  'label',
]);

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Text a person reads in Svelte markup comes from the catalogues.' },
    schema: [
      {
        type: 'object',
        properties: { allow: { type: 'array', items: { type: 'string' } } },
        additionalProperties: false,
      },
    ],
    messages: {
      text: 'Literal text “{{text}}” in markup: put it in src/locales/*.json and use t().',
      attribute: 'Literal {{name}}=“{{text}}”: put it in src/locales/*.json and use t().',
    },
  },
  create(context) {
    const allow = new Set(context.options[0]?.allow ?? []);
    const words = (text) => {
      const trimmed = text.replace(/\s+/g, ' ').trim();
      return trimmed && WORDS.test(trimmed) && !allow.has(trimmed) ? trimmed : null;
    };
    /**
     * Inside <script> or <style>; in a <code>/<kbd> element (code and key names are not translated); or in
     * an element hidden from assistive technology (a decorative glyph such as the language switch's “文A”).
     */
    const exempt = (node) => {
      for (let p = node.parent; p; p = p.parent) {
        if (p.type === 'SvelteScriptElement' || p.type === 'SvelteStyleElement') return true;
        if (p.type !== 'SvelteElement') continue;
        if (p.name?.name === 'code' || p.name?.name === 'kbd') return true;
        const hidden = p.startTag?.attributes?.some(
          (a) =>
            a.type === 'SvelteAttribute' &&
            a.key?.name === 'aria-hidden' &&
            a.value?.length === 1 &&
            a.value[0].type === 'SvelteLiteral' &&
            a.value[0].value === 'true',
        );
        if (hidden) return true;
      }
      return false;
    };
    return {
      SvelteText(node) {
        if (node.parent?.type === 'SvelteAttribute' || exempt(node)) return;
        const text = words(node.value);
        if (text) context.report({ node, messageId: 'text', data: { text: text.slice(0, 40) } });
      },
      SvelteAttribute(node) {
        const name = node.key?.name;
        if (typeof name !== 'string' || !READ_ATTRIBUTES.has(name)) return;
        for (const part of node.value ?? []) {
          if (part.type !== 'SvelteLiteral') continue;
          const text = words(part.value);
          if (text)
            context.report({ node: part, messageId: 'attribute', data: { name, text: text.slice(0, 40) } });
        }
      },
    };
  },
};
