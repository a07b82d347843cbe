import { resetFigures, writeReport } from "./report";

/** Clears the figures of an earlier run before the suite, and writes reports/reliability.md after it. */
export default function setup(): () => void {
  resetFigures();
  return () => writeReport();
}
