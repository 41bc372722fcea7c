// Shared tsup preset: ESM + CJS + .d.ts for every package.
// Usage in a package's tsup.config.ts:
//   import { preset } from '@ln/tooling/tsup'; export default preset({ entry: { index: 'src/index.ts' } });
export function preset(overrides = {}) {
  return {
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    splitting: false,
    treeshake: true,
    ...overrides,
  };
}
