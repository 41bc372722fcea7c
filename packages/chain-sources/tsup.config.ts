import { preset } from '../../tooling/tsup.preset.mjs';
export default preset({ entry: {"index":"src/index.ts"} });
