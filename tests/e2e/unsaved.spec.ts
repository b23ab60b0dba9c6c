/**
 * Nothing unsaved is lost silently: with an applied but unsaved layer edit, Rollback asks first in a
 * modal dialog. Cancel (and Esc) keep the edit and return the focus; Discard rolls back; Save first keeps
 * the edit as a version of its own and then rolls back.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  createModel,
  dismissNotices,
  history,
  notice,
  openTab,
  save,
  SHOTS,
  skipTour,
  waitIdle,
  watchErrors,
} from './helpers';

test.use({ actionTimeout: 30_000 });

const versions = (p: Page): Locator =>
  history(p).getByRole('listbox', { name: 'Versions' }).getByRole('option');
const toolbar = (p: Page): Locator => history(p).getByRole('group', { name: /^Actions for version/ });
const dialog = (p: Page): Locator => p.getByRole('dialog', { name: 'Unsaved changes' });
const unsaved = (p: Page): Locator => p.getByTestId('pending');

/** Adds a Dense layer before the output and applies it: a change the live model holds but has not saved. */
async function addLayer(p: Page): Promise<void> {
  await openTab(p, 'Model');
  const editor = p.getByRole('region', { name: 'Layer editor' });
  const before = await editor.getByRole('listitem').count();
  await editor.getByRole('button', { name: 'Add layer' }).click();
  await expect(editor.getByRole('listitem')).toHaveCount(before + 1);
  await p.getByTestId('apply-changes').click();
  await waitIdle(p);
  await expect(unsaved(p)).toContainText('added Dense layer');
}

async function selectVersion(p: Page, id: string): Promise<void> {
  await history(p)
    .locator(`[data-version="${id}"]`)
    .click({ position: { x: 12, y: 12 } });
  await expect(toolbar(p)).toHaveAccessibleName(`Actions for version ${id.slice(0, 8)}`);
}

test('Rollback over an unsaved edit asks: Cancel keeps it, Discard rolls back, Save first keeps a version', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await skipTour(page);
  await page.goto('/');
  await createModel(page, /^2-D classifier/, 'Unsaved work');
  const one = await save(page, 'One');
  await addLayer(page);
  const two = await save(page, 'Two');
  const layersOf = async () => page.getByRole('table', { name: 'Layers of the live model' }).innerText();
  await selectVersion(page, one);
  // Version one's layers, seen through a clean checkout (nothing unsaved: no question).
  await toolbar(page).getByRole('button', { name: 'Check out' }).click();
  await waitIdle(page);
  await expect(dialog(page)).toHaveCount(0);
  const oneLayers = await layersOf();
  await selectVersion(page, two);
  await toolbar(page).getByRole('button', { name: 'Check out' }).click();
  await waitIdle(page);

  // An unsaved edit, then Rollback to version one: the dialog says what would be lost.
  await addLayer(page);
  const editedLayers = await layersOf();
  await selectVersion(page, one);
  const rollback = toolbar(page).getByRole('button', { name: 'Rollback' });
  await rollback.click();
  await expect(dialog(page)).toBeVisible();
  await expect(dialog(page)).toContainText('The live model has unsaved changes');
  await expect(dialog(page)).toContainText('added Dense layer');
  await expect(dialog(page)).toContainText(`Rolling back to version ${one.slice(0, 8)}`);
  await expect(dialog(page).getByRole('button', { name: 'Save first' })).toBeFocused();
  await page.screenshot({ path: `${SHOTS}/unsaved-dialog.png` });

  // Esc cancels, and the focus goes back to Rollback.
  await page.keyboard.press('Escape');
  await expect(dialog(page)).toHaveCount(0);
  await expect(rollback).toBeFocused();
  await expect(unsaved(page)).toContainText('added Dense layer');

  // Cancel: the edit is still the live model and no version was added.
  await rollback.click();
  await dialog(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog(page)).toHaveCount(0);
  await expect(versions(page)).toHaveCount(2);
  await expect(unsaved(page)).toContainText('added Dense layer');
  expect(await layersOf()).toBe(editedLayers);

  // Discard: rolled back to version one; the edit is gone.
  await dismissNotices(page);
  await rollback.click();
  await dialog(page).getByRole('button', { name: 'Discard changes' }).click();
  await expect(notice(page, `Rolled back to ${one.slice(0, 8)}`)).toBeVisible();
  await waitIdle(page);
  await expect(versions(page)).toHaveCount(3);
  await expect(unsaved(page)).toHaveCount(0);
  expect(await layersOf()).toBe(oneLayers);

  // Save first: the edit becomes a version with the default message, then the rollback goes on top.
  await addLayer(page);
  await selectVersion(page, two);
  await dismissNotices(page);
  await toolbar(page).getByRole('button', { name: 'Rollback' }).click();
  await dialog(page).getByRole('button', { name: 'Save first' }).click();
  await expect(notice(page, `Rolled back to ${two.slice(0, 8)}`)).toBeVisible();
  await waitIdle(page);
  await expect(versions(page)).toHaveCount(5);
  await expect(versions(page).nth(1)).toHaveAccessibleName(/Added Dense layer/);
  await expect(versions(page).first()).toContainText(`restores ${two.slice(0, 8)}`);
  await expect(unsaved(page)).toHaveCount(0);
  expect(errors).toEqual([]);
});
