/**
 * SVG path data for the history graph's lane lines, drawn one row at a time.
 *
 * Each row draws only the part of an edge that lies inside it: the lower half of the S-curve from the row
 * above, and the upper half of its own S-curve to the row below. A half has no inflection, so its path is
 * convex; a whole S-curve is not. Chromium rasterises a layer that holds six or more concave anti-aliased
 * paths (or dashed strokes) with 8× multisampling, which made every frame of a scroll through the list
 * several times dearer to draw where the GPU is slow or is software (SwiftShader). Its convexity test has no
 * tolerance, so the halves' control points are left unrounded: they are exactly collinear where the whole
 * curve's were. The halves end on the row boundary, where the row's SVG clips them; drawn with square caps,
 * each cut end reaches a pixel past the boundary along its tangent, so the two halves meet as the whole
 * curve did.
 */

/**
 * Half of the edge from lane centre `x1` at height `y1` to lane centre `x2` at `y1 + row`: an S-curve
 * (a cubic whose controls sit at mid-height), or a straight line when the lane does not change. The halves
 * are that cubic split at its middle, where it crosses the row boundary.
 */
export function halfEdge(x1: number, x2: number, y1: number, row: number, half: 'upper' | 'lower'): string {
  const m = y1 + row / 2;
  const y2 = y1 + row;
  if (x1 === x2) return half === 'upper' ? `M${x1},${y1}V${m}` : `M${x1},${m}V${y2}`;
  const xm = (x1 + x2) / 2;
  return half === 'upper'
    ? `M${x1},${y1}C${x1},${(y1 + m) / 2} ${(3 * x1 + x2) / 4},${(y1 + 3 * m) / 4} ${xm},${m}`
    : `M${xm},${m}C${(x1 + 3 * x2) / 4},${(3 * m + y2) / 4} ${x2},${(m + y2) / 2} ${x2},${y2}`;
}

/**
 * Tops of the 2 × 2 squares that draw a line ending at a parent outside the list, from `from` for `length`
 * pixels: a dash every 5 px, as `stroke-dasharray: 2 3` would, without the dash effect that also counts as
 * a slow path.
 */
export function stubDashes(from: number, length: number): number[] {
  const tops: number[] = [];
  for (let y = 0; y + 2 <= length; y += 5) tops.push(from + y);
  return tops;
}
