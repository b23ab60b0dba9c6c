/**
 * When training progress reaches the screen: before a paint, and at most every `interval` ms. Ten redraws
 * a second look live (a bar, two curves); sixty cost the browser a raster of the panel every frame, which
 * on a machine with few cores or a software GPU takes time from training itself.
 */
export const PROGRESS_INTERVAL_MS = 100;

export function progressFrames(interval = PROGRESS_INTERVAL_MS): (callback: () => void) => void {
  let last = -Infinity;
  return (callback) => {
    const frame = () =>
      requestAnimationFrame((now) => {
        last = now;
        callback();
      });
    const wait = last + interval - performance.now();
    if (wait > 0) setTimeout(frame, wait);
    else frame();
  };
}
