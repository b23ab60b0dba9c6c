/**
 * The history panel, end to end on the WebGL backend: four versions (trained, edited, trained, trained);
 * a rollback to the second that brings back exactly its layers and predictions, and a roll forward; a
 * branch from the first, saved on and drawn as a second lane; versions one and three compared; a message
 * amended, a tag placed and moved, a branch deleted after saying what clean-up would free; a reload that
 * finds it all the same from the URL; the keyboard; and a second tab seeing a new version appear.
 *
 * The steps build on each other, so they share one page and run in order; each is a test of its own so a
 * failure names the step and no step waits long.
 */
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import {
  createModel,
  dismissNotices,
  fingerprint,
  history,
  notice,
  openTab,
  save,
  setNumber,
  SHOTS,
  skipTour,
  TRAINING,
  waitIdle,
  watchErrors,
} from './helpers';

/**
 * A 1-epoch run of a 2 → 16 → 16 → 2 network on 400 points takes seconds on SwiftShader alone, but the
 * first one compiles every shader, and on a busy shared machine that alone can take minutes.
 */
const RUN = TRAINING;

test.describe.configure({ mode: 'serial' });
// A step that cannot happen fails within seconds, saying which, instead of waiting out the test.
test.use({ actionTimeout: 30_000 });

/** What a version looked like while it was the live model. */
interface Seen {
  readonly id: string;
  readonly layers: string;
  readonly fingerprint: string;
}

let page: Page;
let errors: string[];
const v: Seen[] = [];
let branchVersion = '';

const versionsList = (p: Page): Locator => history(p).getByRole('listbox', { name: 'Versions' });
const row = (p: Page, id: string): Locator => versionsList(p).locator(`[data-version="${id}"]`);
const toolbar = (p: Page): Locator => history(p).getByRole('group', { name: /^Actions for version/ });
const details = (p: Page): Locator => p.getByRole('region', { name: 'Version details' });
const liveLayers = (p: Page): Locator => p.getByRole('table', { name: 'Layers of the live model' });

async function select(p: Page, id: string): Promise<void> {
  await row(p, id).click({ position: { x: 12, y: 12 } });
  await expect(row(p, id)).toHaveAttribute('aria-selected', 'true');
  await expect(toolbar(p)).toHaveAccessibleName(`Actions for version ${id.slice(0, 8)}`);
}

/** The live model's layer table and probe fingerprint, read on the Model tab. */
async function seeLive(p: Page, id: string): Promise<Seen> {
  await openTab(p, 'Model');
  await expect(p.getByTestId('live-base')).toHaveText(id.slice(0, 8));
  return { id, layers: await liveLayers(p).innerText(), fingerprint: await fingerprint(p) };
}

async function train(p: Page): Promise<void> {
  await openTab(p, 'Train');
  const settings = p.getByRole('form', { name: 'Training settings' });
  await setNumber(settings, 'Epochs', 1);
  // The click returns once the page takes input again: the run's first steps (shader compiles on
  // SwiftShader) can hold the main thread far longer than a click normally takes.
  await settings.getByRole('button', { name: /^Train( again)?$/ }).click(RUN);
  // The run's own record: after a save the form had nothing to save, so this is the new run's.
  await expect(p.getByRole('form', { name: 'Save the live model' })).toContainText('trained 1 epoch', RUN);
  await waitIdle(p);
}

/** Adds a Dense layer before the output and applies it. */
async function addDense(p: Page, units: number): Promise<void> {
  await openTab(p, 'Model');
  const editor = p.getByRole('region', { name: 'Layer editor' });
  const before = await editor.getByRole('listitem').count();
  await editor.getByRole('button', { name: 'Add layer' }).click();
  await expect(editor.getByRole('listitem')).toHaveCount(before + 1);
  const added = editor.getByRole('listitem', { name: new RegExp(`^Layer ${before}: dense_`) });
  await setNumber(added, 'Units', units);
  await p.getByTestId('apply-changes').click();
  await expect(p.getByTestId('carry-over-report')).toContainText('starts afresh: new layer');
  await waitIdle(p);
}

/** For each version, the branch, tag and HEAD chips on its row. */
async function refChips(p: Page): Promise<Record<string, string[]>> {
  return versionsList(p)
    .getByRole('option')
    .evaluateAll((rows) =>
      Object.fromEntries(
        rows.map((r) => [
          r.getAttribute('data-version') ?? '',
          [...r.querySelectorAll('.chip.branch, .chip.tag, .chip.head')]
            .map((c) => c.textContent?.trim() ?? '')
            .sort(),
        ]),
      ),
    );
}

/** How many lanes the rows' nodes sit in. */
async function laneCount(p: Page): Promise<number> {
  const xs = await versionsList(p)
    .locator('svg circle.node')
    .evaluateAll((cs) => cs.map((c) => c.getAttribute('cx')));
  return new Set(xs).size;
}

async function openPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    baseURL: test.info().project.use.baseURL,
    viewport: { width: 1280, height: 800 },
  });
  const p = await context.newPage();
  await skipTour(p);
  return p;
}

test.beforeAll(async ({ browser }) => {
  page = await openPage(browser);
  errors = watchErrors(page);
});

test.afterAll(async () => {
  await page.context().close();
});

test('four versions: trained, edited, trained, trained', async () => {
  test.setTimeout(900_000);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  await createModel(page, /^2-D classifier/, 'History demo');
  await openTab(page, 'Train');
  // The mode radios are drawn as buttons: their labels take the click.
  await page.getByText('Generated', { exact: true }).click();
  await expect(page.getByRole('radio', { name: 'Generated' })).toBeChecked();
  await page.getByRole('radio', { name: /^XOR/ }).check();
  await page.getByTestId('use-dataset').click();
  await expect(page.getByTestId('data-fingerprint')).toBeVisible();

  await train(page);
  v.push(await seeLive(page, await save(page, 'One epoch on XOR')));
  await addDense(page, 8);
  v.push(await seeLive(page, await save(page, 'A third hidden layer of 8')));
  await train(page);
  v.push(await seeLive(page, await save(page, 'Trained the deeper model')));
  await train(page);
  v.push(await seeLive(page, await save(page, 'One more epoch')));

  await expect(versionsList(page).getByRole('option')).toHaveCount(4);
  expect(new Set(v.map((s) => s.fingerprint)).size).toBe(4);
  expect(v[1]?.layers).not.toBe(v[0]?.layers);
  expect(v[1]?.layers).toContain('dense_');
  // Newest first, each row with its kind and message.
  await expect(versionsList(page).getByRole('option').first()).toHaveAccessibleName(/^\w+ One more epoch/);
  await expect(row(page, v[1]!.id)).toHaveAccessibleName(/^Edited A third hidden layer of 8/);
});

test('rolling back to version two brings back its layers and predictions; rolling forward undoes it', async () => {
  test.setTimeout(300_000);
  const [, two, , four] = v as [Seen, Seen, Seen, Seen];
  await select(page, two.id);
  await dismissNotices(page);
  await toolbar(page).getByRole('button', { name: 'Rollback' }).click();
  await expect(notice(page, `Rolled back to ${two.id.slice(0, 8)}`)).toBeVisible();
  await waitIdle(page);

  // The rollback is a new version on top, selected; nothing was deleted.
  await expect(versionsList(page).getByRole('option')).toHaveCount(5);
  const rollback = versionsList(page).getByRole('option').first();
  await expect(rollback).toHaveAttribute('aria-selected', 'true');
  await expect(rollback).toContainText(`restores ${two.id.slice(0, 8)}`);
  const rollbackId = (await rollback.getAttribute('data-version')) ?? '';
  const back = await seeLive(page, rollbackId);
  expect(back.layers).toBe(two.layers);
  expect(back.fingerprint).toBe(two.fingerprint);

  // Roll forward: another new version, with version four's content.
  await select(page, rollbackId);
  await dismissNotices(page);
  await toolbar(page).getByRole('button', { name: 'Roll forward' }).click();
  await expect(notice(page, `Rolled back to ${four.id.slice(0, 8)}`)).toBeVisible();
  await waitIdle(page);
  await expect(versionsList(page).getByRole('option')).toHaveCount(6);
  const forwardId = (await versionsList(page).getByRole('option').first().getAttribute('data-version')) ?? '';
  const forward = await seeLive(page, forwardId);
  expect(forward.layers).toBe(four.layers);
  expect(forward.fingerprint).toBe(four.fingerprint);
});

test('a branch from version one, saved on, is drawn as a second line', async () => {
  test.setTimeout(300_000);
  const one = v[0]!;
  expect(await laneCount(page)).toBe(1);
  await select(page, one.id);
  await toolbar(page).getByRole('button', { name: 'New branch' }).click();
  const dialog = page.getByRole('dialog', { name: 'New branch' });
  await dialog.getByRole('textbox', { name: 'Branch name' }).fill('experiment');
  await page.screenshot({ path: `${SHOTS}/prompt-new-branch.png` });
  await dialog.getByRole('button', { name: 'Create branch' }).click();
  await expect(notice(page, 'Started branch “experiment”')).toBeVisible();
  await waitIdle(page);
  expect((await seeLive(page, one.id)).fingerprint).toBe(one.fingerprint);

  await addDense(page, 4);
  branchVersion = await save(page, 'Experiment: a narrow extra layer');
  await expect(versionsList(page).getByRole('option')).toHaveCount(7);
  await expect(page.getByRole('combobox', { name: 'Branch' })).toHaveValue('experiment');

  // Two lines: the experiment's head in a lane of its own, main's head marked on the other.
  expect(await laneCount(page)).toBe(2);
  const chips = await refChips(page);
  expect(chips[branchVersion]).toEqual(['HEAD → experiment']);
  const mainHead = Object.entries(chips).find(([, c]) => c.includes('main'))?.[0];
  expect(mainHead).toBeDefined();
  expect(mainHead).not.toBe(branchVersion);
  await dismissNotices(page);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SHOTS}/history.png` });
});

test('comparing versions one and three shows the added layer and how far the weights moved', async () => {
  test.setTimeout(300_000);
  const [one, , three] = v as [Seen, Seen, Seen];
  await select(page, one.id);
  await toolbar(page).getByRole('button', { name: 'Compare', exact: true }).click();
  await select(page, three.id);
  await toolbar(page).getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.getByRole('tab', { name: /^Compare/ })).toHaveAttribute('aria-selected', 'true');

  const view = page.getByRole('region', { name: 'Compare', exact: true });
  await expect(view).toContainText(one.id.slice(0, 8));
  await expect(view).toContainText(three.id.slice(0, 8));
  const layers = view.getByRole('table', { name: 'Layers compared' });
  const added = layers.locator('tr.row-added');
  await expect(added).toHaveCount(1);
  await expect(added).toContainText(/added\s*dense_\d+/);

  const weights = view.getByRole('table', { name: 'Weight change per layer' });
  await expect(weights).toBeVisible(RUN);
  for (const column of ['‖Δ‖', 'Relative', 'Cosine', 'max |Δ|'])
    await expect(weights.getByRole('columnheader', { name: column, exact: true })).toBeVisible();
  await expect(view).toContainText(/Overall ‖Δ‖ [\d.e+-]+, relative [\d.e+-]+,\s+cosine\s+[\d.e+-]+\./);
  // Version three trained every layer it shares with version one.
  await expect(view).toContainText('Every layer moved.');
  // The XOR rows are loaded, so both versions also run on its validation rows.
  await expect(view.getByText(/of predictions agree/)).toBeVisible(RUN);
  await dismissNotices(page);
  await view.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${SHOTS}/compare.png` });
});

test('a message is amended, a tag placed and moved, and a branch deleted after saying what it frees', async () => {
  test.setTimeout(300_000);
  const [, , three, four] = v as [Seen, Seen, Seen, Seen];

  // Amend: the row shows the new message, the details the original too.
  await select(page, three.id);
  await details(page).getByRole('button', { name: 'Edit message' }).click();
  const amend = page.getByRole('dialog', { name: 'Edit message' });
  await amend.getByRole('textbox', { name: 'Message' }).fill('Trained the deeper model (best so far)');
  await amend.getByRole('button', { name: 'Save message' }).click();
  await expect(row(page, three.id)).toContainText('Trained the deeper model (best so far)');
  await expect(row(page, three.id)).toContainText('edited');
  // The details card itself shows the new message, and the original beside it.
  const card = details(page).getByRole('article');
  await expect(card).toContainText('Trained the deeper model (best so far)');
  await expect(card).toContainText('Edited; originally “Trained the deeper model”');

  // Tag `best` on three, then move it to four: three's details say where it went.
  await toolbar(page).getByRole('button', { name: 'Tag' }).click();
  const tag = page.getByRole('dialog', { name: 'Tag version' });
  await tag.getByRole('textbox', { name: 'Tag' }).fill('best');
  await tag.getByRole('button', { name: 'Place tag' }).click();
  await expect(row(page, three.id)).toContainText('# best');
  await select(page, four.id);
  await toolbar(page).getByRole('button', { name: 'Tag' }).click();
  await tag.getByRole('button', { name: 'Place tag' }).click();
  await expect(
    notice(page, `Moved tag “best” from ${three.id.slice(0, 8)} to ${four.id.slice(0, 8)}`),
  ).toBeVisible();
  await expect(row(page, four.id)).toContainText('# best');
  await expect(row(page, three.id)).not.toContainText('# best');
  await expect(details(page)).toContainText(`moved here from ${three.id.slice(0, 8)}`);
  await select(page, three.id);
  await expect(details(page)).toContainText(`moved away to ${four.id.slice(0, 8)}`);
  await openTab(page, 'Model');
  await dismissNotices(page);
  await details(page).evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${SHOTS}/details.png` });

  // Delete the experiment branch: switch away first, then it asks, naming what clean-up would free.
  await page.getByRole('combobox', { name: 'Branch' }).selectOption('main');
  await expect(notice(page, 'Switched to branch “main”')).toBeVisible();
  await waitIdle(page);
  const refs = page.getByRole('region', { name: 'Branches and tags' });
  await refs
    .getByRole('listitem')
    .filter({ hasText: 'experiment' })
    .getByRole('button', { name: 'Delete' })
    .click();
  const confirm = page.getByRole('dialog', { name: 'Delete “experiment”?' });
  await expect(confirm).toContainText('1 version is reachable only from “experiment”');
  await expect(confirm).toContainText(/would then free [\d.]+ (B|KiB|MiB)/);
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(notice(page, 'Deleted “experiment”')).toBeVisible();
  await expect(refs).not.toContainText('experiment');
});

test('a reload brings back the same history, refs and selected version; keys move and check out', async () => {
  test.setTimeout(300_000);
  const three = v[2]!;
  await select(page, three.id);
  const url = new URL(page.url());
  expect(url.href).toContain(three.id);
  const ids = await versionsList(page)
    .getByRole('option')
    .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-version')));
  const chips = await refChips(page);

  await page.reload();
  // Starting TF.js on WebGL and checking out the head again: slow on a busy machine, so given time.
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl', RUN);
  await expect(row(page, three.id)).toHaveAttribute('aria-selected', 'true', RUN);
  await waitIdle(page);
  expect(
    await versionsList(page)
      .getByRole('option')
      .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-version'))),
  ).toEqual(ids);
  expect(await refChips(page)).toEqual(chips);
  await expect(details(page)).toContainText(three.id);

  // ↓ selects the next (older) row, ↑ comes back, Enter checks out without moving any ref.
  const list = versionsList(page);
  await list.focus();
  const index = Number(await row(page, three.id).getAttribute('aria-posinset')) - 1;
  await list.press('ArrowDown');
  const below = list.getByRole('option').nth(index + 1);
  await expect(below).toHaveAttribute('aria-selected', 'true');
  await list.press('ArrowUp');
  await expect(row(page, three.id)).toHaveAttribute('aria-selected', 'true');
  await dismissNotices(page);
  await list.press('Enter');
  await expect(
    notice(page, `The live model is now version ${three.id.slice(0, 8)}. No branch moved.`),
  ).toBeVisible();
  await waitIdle(page);
  expect(await refChips(page)).toEqual(chips);
  expect((await seeLive(page, three.id)).fingerprint).toBe(three.fingerprint);
});

test('a second tab sees a version saved in the first appear', async () => {
  test.setTimeout(300_000);
  const second = await page.context().newPage();
  const secondErrors = watchErrors(second);
  await second.goto(page.url());
  await expect(second.getByTestId('backend')).toHaveText('Backend: webgl', RUN);
  const count = await versionsList(page).getByRole('option').count();
  // Opening the model builds and probes its head on WebGL first, which takes a while on a busy machine.
  await expect(versionsList(second).getByRole('option')).toHaveCount(count, RUN);
  await waitIdle(second);

  await addDense(page, 2);
  const id = await save(page, 'Saved in the first tab');
  const saved = Date.now();
  await expect(row(second, id)).toBeVisible({ timeout: 5_000 });
  const after = Date.now() - saved;
  test.info().annotations.push({ type: 'second tab saw the new version after', description: `${after} ms` });
  await expect(row(second, id)).toContainText('Saved in the first tab');
  await second.close();
  expect(secondErrors).toEqual([]);
  expect(errors).toEqual([]);
});
