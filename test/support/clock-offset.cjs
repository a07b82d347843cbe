// Preloaded with `node --require` into a provider host a test starts: shifts that process's clock by
// SECRETSTACK_CLOCK_SHIFT_MS, the way a later run of the same stack would see it. A test-side seam only: the
// shipped provider reads Date.now and knows nothing of it.
const shift = Number(process.env.SECRETSTACK_CLOCK_SHIFT_MS ?? "0");
if (Number.isFinite(shift) && shift !== 0) {
  const realNow = Date.now;
  Date.now = () => realNow() + shift;
}
