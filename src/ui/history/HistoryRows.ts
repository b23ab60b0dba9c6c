/**
 * The history list's rows in the DOM: a window of rows over a long list, written by hand rather than by a
 * Svelte `{#each}`. Scrolling brings a handful of versions into view every frame; a row element that
 * scrolls out is reused for one that scrolls in, and only what differs between the two versions is
 * written. Through Svelte, the same update re-ran some thirty effects per row (each lane path, chip and
 * optional span its own): most of the script's time in a scrolled frame.
 *
 * The rows stay in the DOM in list order (screen readers and tests read them in that order), absolutely
 * positioned at their index times the row height.
 */
import { ROW, rowView, type LaneShape, type RowPart, type RowScene, type RowView } from './rowView';

const SVG = 'http://www.w3.org/2000/svg';

/** The rows `[first, last)` of a list of `count` rows to keep in the DOM to fill `height` pixels from `top`. */
export function rowWindow(
  top: number,
  height: number,
  count: number,
  overscan: number,
): { readonly first: number; readonly last: number } {
  // A shorter list (a new search) may leave the remembered offset past its end until the next scroll.
  const at = Math.min(top, Math.max(0, count * ROW - height));
  return {
    first: Math.max(0, Math.floor(at / ROW) - overscan),
    last: Math.min(count, Math.ceil((at + height) / ROW) + overscan),
  };
}

/** One row's elements, reused for whichever version scrolls into its place. */
interface Slot {
  readonly el: HTMLDivElement;
  readonly svg: SVGSVGElement;
  readonly line1: HTMLDivElement;
  readonly line2: HTMLDivElement;
  /** What the slot shows now: the row, the scene it was drawn in and what was drawn. */
  index: number;
  scene: RowScene | null;
  view: RowView | null;
}

export class HistoryRows {
  #list: HTMLElement | null = null;
  #scene: RowScene | null = null;
  /** The slots in the DOM by row index. */
  #shown = new Map<number, Slot>();
  /** Slots out of the DOM, for rows yet to come into view. */
  #spare: Slot[] = [];

  /**
   * Shows rows `[first, last)` of `scene` in `list` (an element only these rows are in). Rows already shown
   * keep their elements untouched unless the scene changed.
   */
  show(list: HTMLElement, scene: RowScene, first: number, last: number): void {
    if (list !== this.#list) {
      this.#list = list;
      this.#shown = new Map();
      this.#spare = [];
    }
    const redraw = scene !== this.#scene;
    this.#scene = scene;
    // Rows that left the window come out of the DOM first, so that the rows staying are the list's
    // children in order and new rows go in before or after them without moving any of them.
    for (const [index, slot] of this.#shown) {
      if (index >= first && index < last) continue;
      slot.el.remove();
      this.#shown.delete(index);
      this.#spare.push(slot);
    }
    let next: ChildNode | null = list.firstChild;
    for (let index = first; index < last; index++) {
      const shown = this.#shown.get(index);
      if (shown) {
        if (redraw) draw(shown, scene, index);
        next = shown.el.nextSibling;
        continue;
      }
      const slot = this.#spare.pop() ?? newSlot();
      // Drawn while out of the DOM, and put in once.
      draw(slot, scene, index);
      list.insertBefore(slot.el, next);
      this.#shown.set(index, slot);
    }
    // Keep no more spares than the window holds: a window that shrank leaves the rest to the collector.
    this.#spare.length = Math.min(this.#spare.length, last - first);
  }
}

function newSlot(): Slot {
  const el = document.createElement('div');
  el.setAttribute('role', 'option');
  el.tabIndex = -1;
  el.style.height = `${ROW}px`;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'lanes');
  svg.setAttribute('height', String(ROW));
  svg.setAttribute('aria-hidden', 'true');
  const graph = document.createElement('div');
  graph.className = 'graph';
  graph.append(svg);
  const content = document.createElement('div');
  content.className = 'content';
  const line1 = document.createElement('div');
  line1.className = 'line1';
  const line2 = document.createElement('div');
  line2.className = 'line2 muted';
  content.append(line1, ' ', line2);
  el.append(graph, ' ', content);
  return { el, svg, line1, line2, index: -1, scene: null, view: null };
}

/** What each element in a row was last drawn as, so that only what differs is written, and nothing is read back. */
const drawn = new WeakMap<Element, RowPart | LaneShape>();

/** Sets or removes an attribute where its value differs from what was written before. */
function attr(el: Element, name: string, value: string | undefined, was: string | undefined): void {
  if (value === was) return;
  if (value === undefined) el.removeAttribute(name);
  else el.setAttribute(name, value);
}

/** Draws row `index` of `scene` in `slot`, writing only what differs from what the slot shows. */
function draw(slot: Slot, scene: RowScene, index: number): void {
  if (slot.index === index && slot.scene === scene) return;
  const view = rowView(scene, index);
  const was = slot.view;
  const wasScene = slot.scene;
  slot.index = index;
  slot.scene = scene;
  slot.view = view;
  const { el } = slot;
  attr(el, 'id', view.id, was?.id);
  attr(el, 'class', view.className, was?.className);
  attr(el, 'aria-selected', String(view.selected), was ? String(was.selected) : undefined);
  attr(el, 'aria-posinset', String(view.index + 1), was ? String(was.index + 1) : undefined);
  attr(el, 'aria-setsize', String(view.setSize), was ? String(was.setSize) : undefined);
  attr(el, 'data-version', view.version.id, was?.version.id);
  if (view.index !== was?.index) el.style.transform = `translateY(${view.index * ROW}px)`;
  attr(slot.svg, 'width', String(scene.graphWidth), wasScene ? String(wasScene.graphWidth) : undefined);
  drawLanes(slot.svg, view.lanes);
  drawLine(slot.line1, view.line1);
  drawLine(slot.line2, view.line2);
}

/** Updates the SVG's children in place where each is already the right kind of element. */
function drawLanes(svg: SVGSVGElement, shapes: readonly LaneShape[]): void {
  let child = svg.firstElementChild;
  for (const shape of shapes) {
    let el = child;
    if (el?.localName !== shape.tag) {
      el = document.createElementNS(SVG, shape.tag);
      svg.insertBefore(el, child);
    } else child = el.nextElementSibling;
    const was = drawn.get(el);
    drawn.set(el, shape);
    attr(el, 'class', shape.className, was?.className);
    switch (shape.tag) {
      case 'path':
        attr(el, 'd', shape.d, was?.tag === 'path' ? was.d : undefined);
        break;
      case 'rect':
        attr(el, 'x', String(shape.x), was?.tag === 'rect' ? String(was.x) : undefined);
        attr(el, 'y', String(shape.y), was?.tag === 'rect' ? String(was.y) : undefined);
        attr(el, 'width', '2', was?.tag === 'rect' ? '2' : undefined);
        attr(el, 'height', '2', was?.tag === 'rect' ? '2' : undefined);
        break;
      case 'circle':
        attr(el, 'cx', String(shape.cx), was?.tag === 'circle' ? String(was.cx) : undefined);
        attr(el, 'cy', String(shape.cy), was?.tag === 'circle' ? String(was.cy) : undefined);
        attr(el, 'r', String(shape.r), was?.tag === 'circle' ? String(was.r) : undefined);
        break;
    }
  }
  while (child) {
    const after = child.nextElementSibling;
    child.remove();
    child = after;
  }
}

/**
 * Updates a line's elements in place where each is already the right kind of element. Elements are
 * separated by a space, as the template's markup separated them, so the row's text reads as words.
 */
function drawLine(line: HTMLElement, parts: readonly RowPart[]): void {
  let child = line.firstElementChild;
  for (const part of parts) {
    let el = child;
    if (el?.localName !== part.tag) {
      el = document.createElement(part.tag);
      el.append('');
      if (child) line.insertBefore(el, child).after(' ');
      else {
        if (line.firstChild) line.append(' ');
        line.append(el);
      }
    } else child = el.nextElementSibling;
    const was = drawn.get(el) as RowPart | undefined;
    drawn.set(el, part);
    attr(el, 'class', part.className || undefined, was ? was.className || undefined : undefined);
    attr(el, 'title', part.title, was?.title);
    attr(el, 'datetime', part.datetime, was?.datetime);
    if (part.text !== was?.text) (el.firstChild as Text).data = part.text;
  }
  while (child) {
    const after = child.nextElementSibling;
    // The element and the space before it.
    child.previousSibling?.remove();
    child.remove();
    child = after;
  }
}
