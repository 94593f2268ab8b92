#!/usr/bin/env node
// The only place that exits the process: everything else returns codes or throws.
import { main } from '../dist/src/cli/main.js';

// bin/ttops renames --env-file so that node itself does not consume it; undo that here.
const argv = process.argv.map((arg) => (arg === '--ttops-env-file' ? '--env-file' : arg.replace(/^--ttops-env-file=/, '--env-file=')));
const code = await main(argv);
process.exit(code);
