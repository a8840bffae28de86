#!/usr/bin/env node
// The CLI is bundled (dist/cli, by esbuild) so a command loads a few files, not hundreds.
import { main } from '../dist/cli/main.js';
main(process.argv.slice(2));
