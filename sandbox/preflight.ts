/**
 * The first module `secretstack-sandbox` loads: on a Node.js too old for the sandbox it prints one line naming
 * the version needed and the version found, and exits 2, before any other module could fail with a stack trace.
 */
import { exitOnUnsupportedNode } from "./core/runtime";

exitOnUnsupportedNode("secretstack-sandbox");
