import { preset } from '../../tooling/tsup.preset.mjs';
// The library (ESM + CJS + types) and the CLI (ESM only, with a shebang); neither cleans, `npm run build` empties dist first.
export default [
  preset({ entry: { index: 'src/index.ts', node: 'src/node.ts' }, clean: false }),
  preset({ entry: { cli: 'src/cli.ts' }, format: ['esm'], dts: false, clean: false, banner: { js: '#!/usr/bin/env node' } }),
];
