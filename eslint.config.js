// Lint keeps the architecture honest: core is pure, only storage touches IndexedDB, only ml touches TF.js,
// only formats touches the HDF5 library.
import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import noLiteralText from './eslint/noLiteralText.js';

const ADAPTERS = {
  dexie: { name: 'dexie', message: 'Only src/storage may use Dexie.' },
  tf: { group: ['@tensorflow/*'], message: 'Only src/ml may use TF.js.' },
  svelte: { group: ['svelte', 'svelte/*'], message: 'core/ is pure TypeScript.' },
  h5wasm: {
    name: 'h5wasm',
    message: 'Only src/formats may use h5wasm (and it is loaded lazily, from app/).',
  },
};

// Test-only code is named test<Subject>.ts (beside the code it serves, or in tests/unit); app code never
// imports it, nor anything under tests/.
const TEST_FILES = ['**/*.test.ts', '**/test[A-Z]*'];
const TEST_ONLY = {
  regex: '(^|/)test[A-Z][^/]*$|(^|/)tests/',
  message: 'Test-only module: only tests import test<Subject>.ts modules.',
};

export default ts.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/', 'playwright-report/', 'bench/results.json'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // State here is immutable data in $state.raw, replaced whole; a Map or Set built inside a function
      // or a $derived is a local, not state, and SvelteMap/SvelteSet would only add overhead.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    // Words a person reads come from src/locales; product and format names no language translates pass.
    files: ['src/**/*.svelte'],
    plugins: { graft: { rules: { 'no-literal-text': noLiteralText } } },
    rules: { 'graft/no-literal-text': ['error', { allow: ['Graft', 'TF.js', 'Keras'] }] },
  },
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ADAPTERS.dexie, ADAPTERS.h5wasm],
          patterns: [
            ADAPTERS.tf,
            ADAPTERS.svelte,
            {
              group: ['**/storage/*', '**/ml/*', '**/state/*', '**/ui/*', '**/app/*', '**/formats/*'],
              message: 'core/ depends on nothing.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/storage/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ADAPTERS.h5wasm],
          patterns: [
            ADAPTERS.tf,
            ADAPTERS.svelte,
            { group: ['**/ml/*', '**/state/*', '**/ui/*'], message: 'storage/ implements core ports only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/ml/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ADAPTERS.dexie, ADAPTERS.h5wasm],
          patterns: [
            ADAPTERS.svelte,
            { group: ['**/storage/*', '**/state/*', '**/ui/*'], message: 'ml/ implements core ports only.' },
          ],
        },
      ],
    },
  },
  {
    // State is the app's logic, below the components: it never reaches up into ui/ or app/ (text comes
    // from state/i18n.ts; the page's language choice is configured by ui/i18n.ts).
    files: ['src/state/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ADAPTERS.dexie, ADAPTERS.h5wasm],
          patterns: [
            ADAPTERS.tf,
            {
              group: ['**/storage/*', '**/ml/*'],
              message: 'state/ and ui/ get storage and ml through app/compose.ts.',
            },
            { group: ['**/ui/*', '**/app/*'], message: 'state/ never depends on ui/ or app/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/ui/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ADAPTERS.dexie, ADAPTERS.h5wasm],
          patterns: [
            ADAPTERS.tf,
            {
              group: ['**/storage/*', '**/ml/*'],
              message: 'state/ and ui/ get storage and ml through app/compose.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    // The HDF5 adapter: h5wasm in, core's HDF5 tree out; it knows nothing of the app above it.
    files: ['src/formats/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ADAPTERS.dexie],
          patterns: [
            ADAPTERS.tf,
            ADAPTERS.svelte,
            {
              group: ['**/storage/*', '**/ml/*', '**/state/*', '**/ui/*', '**/app/*'],
              message: 'formats/ implements core ports only.',
            },
          ],
        },
      ],
    },
  },
  {
    // A separate rule from the layers' no-restricted-imports above, so the two lists never replace each other.
    files: ['src/**'],
    ignores: TEST_FILES,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [TEST_ONLY] }] },
  },
);
