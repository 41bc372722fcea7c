import { preset } from '../../tooling/tsup.preset.mjs';
// `npm run build` empties dist first; the two builds run side by side, so neither cleans.
export default [
  preset({ entry: { index: 'src/index.ts' }, external: ['ws'], clean: false }),
  // The `ln-node` CLI: ESM only, with a shebang, no type declarations.
  preset({ entry: { cli: 'src/cli.ts' }, format: ['esm'], dts: false, clean: false, external: ['ws'], banner: { js: '#!/usr/bin/env node' } }),
];
