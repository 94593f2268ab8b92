#!/usr/bin/env node
// The only place that exits the process: everything else returns codes or throws.
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv);
process.exit(code);
