/** The one place that wires storage and ml into the app's state. */
import * as tf from '@tensorflow/tfjs';
import { tensorBytes } from '../core/ports';
import { activeBackend, startBackend, TFJS_VERSION } from '../ml/backend';
import { describeLayers } from '../ml/describe';
import { probeModel } from '../ml/probe';
import { materializeModel, snapshotModel, summarize } from '../ml/snapshot';
import { TEMPLATES } from '../ml/templates';
import { DexieVersionStore, watchRepositories, watchRepository } from '../storage/DexieVersionStore';
import { GraftDb } from '../storage/db';
import type { MlServices, Services } from '../state/services';
import { Workspace } from '../state/Workspace.svelte';

export type LiveModel = tf.LayersModel;

export function createMl(): MlServices<LiveModel> {
  return {
    templates: TEMPLATES.map(({ id, name, description }) => ({ id, name, description })),
    startBackend,
    async moveToBackend(model, choice) {
      const snapshotFirst = await snapshotModel(model);
      const backend = await startBackend(choice);
      const rebuilt = await materializeModel({
        topology: snapshotFirst.topology,
        tensors: await Promise.all(
          snapshotFirst.tensors.map(async (t) => ({ entry: t, data: (await tensorBytes(t)).slice().buffer })),
        ),
      });
      return { model: rebuilt, backend };
    },
    createFromTemplate(id) {
      const t = TEMPLATES.find((x) => x.id === id);
      if (!t) throw new Error(`Unknown template ${id}`);
      return t.create();
    },
    snapshot: snapshotModel,
    materialize: materializeModel,
    summarize,
    describeLayers,
    probe: probeModel,
    dispose: (m) => m.dispose(),
    environment: () => ({
      backend: activeBackend(),
      tfjsVersion: TFJS_VERSION,
      userAgent: navigator.userAgent,
    }),
    tensorCount: () => tf.memory().numTensors,
  };
}

export function createWorkspace(): Workspace<LiveModel> {
  const store = new DexieVersionStore(new GraftDb());
  const services: Services<LiveModel> = {
    store: Object.assign(store, {
      watchRepository: watchRepository.bind(null, store),
      watchRepositories: watchRepositories.bind(null, store),
    }),
    ml: createMl(),
    prefs: {
      get: (k) => {
        try {
          return localStorage.getItem(k);
        } catch {
          return null;
        }
      },
      set: (k, v) => {
        try {
          localStorage.setItem(k, v);
        } catch {
          // Private modes may refuse; preferences are a convenience, not data.
        }
      },
    },
    location: {
      read: () => ({ repo: new URL(location.href).searchParams.get('repo') }),
      write: ({ repo }) => {
        const url = new URL(location.href);
        if (repo) url.searchParams.set('repo', repo);
        else url.searchParams.delete('repo');
        history.replaceState(history.state, '', url);
      },
    },
  };
  return new Workspace(services);
}
