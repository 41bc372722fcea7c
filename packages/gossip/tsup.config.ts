import { preset } from '../../tooling/tsup.preset.mjs';
export default preset({ entry: { index: 'src/index.ts', node: 'src/node.ts', 'verify-worker': 'src/node/verify-worker.ts' }, shims: true });
