#!/usr/bin/env node
// The `secretstack-sandbox` command. A file of its own, executable in git, so the command npm links into
// node_modules/.bin keeps working however dist/ is rebuilt (tsc writes new files without the execute bit).
require("../dist/cli.js");
