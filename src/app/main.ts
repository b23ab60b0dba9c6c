import { mount } from 'svelte';
import App from './App.svelte';
import { createWorkspace } from './compose';
import '../ui/common/theme.css';

const workspace = createWorkspace();
mount(App, { target: document.getElementById('app') as HTMLElement, props: { workspace } });
void workspace.init();
