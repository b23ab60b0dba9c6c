/**
 * Renders the app icons in public/icons/ from the SVG logo, with the same Chromium the end-to-end tests
 * use. Run it after changing public/graft.svg or public/icons/graft-maskable.svg:
 *   node scripts/make-icons.mjs
 * The PNGs are committed, so a build never needs a browser.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'public/icons');

/** [source SVG, output PNG, size in px]. "Any" icons keep the logo's rounded corners; maskable ones are
 *  full-bleed with the mark inside the central safe circle, since the platform crops them. */
const ICONS = [
  ['public/graft.svg', 'icon-192.png', 192],
  ['public/graft.svg', 'icon-512.png', 512],
  ['public/icons/graft-maskable.svg', 'maskable-192.png', 192],
  ['public/icons/graft-maskable.svg', 'maskable-512.png', 512],
  ['public/icons/graft-maskable.svg', 'apple-touch-icon-180.png', 180],
];

const executablePath =
  process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const browser = await chromium.launch({ executablePath });
try {
  for (const [source, file, size] of ICONS) {
    const svg = await readFile(path.join(root, source), 'utf8');
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    await page.setContent(
      `<style>html,body{margin:0;background:transparent}</style><img src="${src}" width="${size}" height="${size}">`,
    );
    await page.locator('img').evaluate((img) => img.decode());
    await page.screenshot({ path: path.join(out, file), omitBackground: true });
    await page.close();
    console.log(`${file}: ${size}×${size} from ${source}`);
  }
} finally {
  await browser.close();
}
