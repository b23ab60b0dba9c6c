// Makes (once) and names the Python that the Keras round-trip tests run: a virtual environment with the
// packages pinned in tests/keras/requirements.txt (Keras 3 on the JAX CPU backend, h5py, safetensors),
// cached under ~/.cache/graft keyed by that file's hash. pip installs from the package index the machine's
// pip config names (`pip config list`), because on this project's machines the default index does not
// answer. A failed install is an error, never a skip. Prints the Python's path as its last line.
//
//   node scripts/keras-env.mjs            # make it if needed, print the path
//   GRAFT_PYTHON=/path/to/python …        # use that Python instead (it must have the packages)
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const requirements = join(root, 'tests/keras/requirements.txt');

/** The checks a usable environment passes: the packages the tests import, on the CPU. */
const PROBE =
  'import os; os.environ.setdefault("KERAS_BACKEND", "jax"); import keras, h5py, safetensors, numpy; print(keras.__version__, keras.backend.backend())';

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  return r;
}

function fail(message) {
  console.error(`keras-env: ${message}`);
  process.exit(1);
}

/** `--index-url` and `--extra-index-url` arguments from pip's own configuration. */
function indexArgs(python) {
  const r = run(python, ['-m', 'pip', 'config', 'list']);
  if (r.status !== 0) return [];
  const values = (key) => {
    const line = r.stdout
      .split('\n')
      .find((l) => new RegExp(`^[a-z:]*\\.${key}=`).test(l.replace(/^:env:/, '')));
    if (!line) return [];
    return line
      .slice(line.indexOf('=') + 1)
      .replace(/^'|'$/g, '')
      .split(/\s+/)
      .filter(Boolean);
  };
  const index = values('index-url');
  const extra = values('extra-index-url');
  const all = [...index, ...extra];
  if (all.length === 0) return [];
  // The first named index is the one to use; the default (pypi.org) is never asked.
  return ['--index-url', all[0], ...all.slice(1).flatMap((u) => ['--extra-index-url', u])];
}

function probe(python) {
  const r = run(python, ['-c', PROBE], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  return r.status === 0 ? r.stdout.trim() : null;
}

if (process.env.GRAFT_PYTHON) {
  const python = process.env.GRAFT_PYTHON;
  if (!probe(python)) fail(`GRAFT_PYTHON=${python} cannot import keras, h5py, safetensors and numpy.`);
  console.log(python);
  process.exit(0);
}

if (!existsSync(requirements)) fail(`${requirements} is missing.`);
const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex').slice(0, 12);
const cache =
  process.env.GRAFT_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'graft');
const venv = join(cache, `keras-venv-${hash}`);
const python = join(venv, 'bin', 'python');

if (existsSync(join(venv, '.complete')) && probe(python)) {
  console.log(python);
  process.exit(0);
}

const base = process.env.PYTHON ?? 'python3';
const building = `${venv}.building-${process.pid}`;
mkdirSync(cache, { recursive: true });
rmSync(building, { recursive: true, force: true });
console.error(`keras-env: making ${venv} (once; later runs reuse it)…`);
let r = run(base, ['-m', 'venv', building], { stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0) fail(`${base} -m venv failed (is Python 3 with its venv module installed?).`);
const pip = join(building, 'bin', 'pip');
const args = ['install', '--disable-pip-version-check', '--no-input', ...indexArgs(base), '-r', requirements];
console.error(`keras-env: pip ${args.join(' ')}`);
r = run(pip, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0) {
  rmSync(building, { recursive: true, force: true });
  fail('pip could not install the packages in tests/keras/requirements.txt.');
}
// Scripts in a venv name its absolute path: move it into place before using it.
rmSync(venv, { recursive: true, force: true });
renameSync(building, venv);
const moved = join(venv, 'bin', 'python');
// A renamed venv keeps working for `python -c`/`python script.py`, which is all the tests do.
const version = probe(moved);
if (!version) fail(`the new environment at ${venv} cannot import keras, h5py, safetensors and numpy.`);
writeFileSync(join(venv, '.complete'), `${version}\n`);
console.error(`keras-env: ready (Keras ${version}).`);
console.log(moved);
