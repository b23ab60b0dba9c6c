// Lets plain tsc type-check the bench, which mounts Svelte components.
declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component<Record<string, unknown>>;
  export default component;
}
