import { mount } from 'svelte';
import App from './App.svelte';
import { createApp } from './compose';
import '../ui/common/theme.css';

const app = createApp();
mount(App, { target: document.getElementById('app') as HTMLElement, props: app });
void app.workspace.init();
