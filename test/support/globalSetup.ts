import { resetFigures, writeReport } from "./report";

/** Clears the figures of an earlier run before the suite, and writes REPORT.md after it. */
export default function setup(): () => void {
  resetFigures();
  return () => writeReport();
}
