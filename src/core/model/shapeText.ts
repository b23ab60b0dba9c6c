/**
 * Tensor shapes as text: `[batch, any, 81]`. Only the first dimension of a layer's or model's shape is the
 * batch; any other dimension TF.js leaves unknown (a variable-length sequence, say) can be of any size.
 * The words are English here; the UI swaps in the active language's (ui/common/format.ts).
 */

export type Dims = readonly (number | null)[];

export interface ShapeWords {
  /** The first, batch dimension when it is not fixed. */
  readonly batch: string;
  /** Any other dimension that is not fixed. */
  readonly any: string;
}

export const SHAPE_WORDS: ShapeWords = { batch: 'batch', any: 'any' };

/** `[batch, any, 81]` for `[null, null, 81]`. */
export function shapeText(shape: Dims, words: ShapeWords = SHAPE_WORDS): string {
  const dim = (d: number | null, i: number) => (d !== null ? String(d) : i === 0 ? words.batch : words.any);
  return `[${shape.map(dim).join(', ')}]`;
}

/** Several shapes (a layer with several outputs) as one text: `[batch, 4] [batch, 4]`. */
export function shapesText(shapes: readonly Dims[], words: ShapeWords = SHAPE_WORDS): string {
  return shapes.map((s) => shapeText(s, words)).join(' ');
}

/** The shapes in a text `shapesText` wrote, each as written: `[batch, 4] [batch, 8]` → two texts. */
export function splitShapes(text: string): string[] {
  return text.match(/\[[^\]]*\]/g) ?? (text.trim() ? [text.trim()] : []);
}
