/**
 * When training progress reaches the screen: before a paint, and at most every `interval` ms. Four redraws
 * a second keep the bar and the curves live; every frame would cost the browser a layout and raster of the
 * panel sixty times a second, CPU that a machine with few cores or a software GPU takes from training
 * (measured by `npm run bench`: the Train panel's drawing is most of what the app adds to a bare fit).
 */
export const PROGRESS_INTERVAL_MS = 250;

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
