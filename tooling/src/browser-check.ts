/**
 * The browser check: every core (non-composition) package's browser-facing entry points
 * bundle with esbuild for `platform: 'browser'`, from sources, with no polyfills. A Node
 * built-in anywhere in the import graph makes the bundle fail.
 */
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { isNodeOnlyFile, listPackages } from './workspace.js';

export interface BundleResult {
  pkg: string;
  entry: string;
  ok: boolean;
  bytes: number;
  errors: string[];
}

/** Export subpaths of a manifest whose `source` file is not a Node-only entry. */
function browserEntries(pkgRoot: string, exportsField: Record<string, unknown> | undefined): { subpath: string; file: string }[] {
  const out: { subpath: string; file: string }[] = [];
  for (const [subpath, target] of Object.entries(exportsField ?? {})) {
    const src = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)['source'] : undefined;
    if (typeof src !== 'string') continue;
    const file = join(pkgRoot, src);
    if (isNodeOnlyFile(relative(join(pkgRoot, 'src'), file))) continue;
    out.push({ subpath, file });
  }
  return out;
}

/** Bundles every browser entry point of every core package; resolves to one result per entry. */
export async function checkBrowserBundles(repoRoot: string, only?: string[]): Promise<BundleResult[]> {
  const results: BundleResult[] = [];
  for (const pkg of listPackages(repoRoot)) {
    if (pkg.kind === 'composition') continue;
    if (only && !only.includes(pkg.dir)) continue;
    for (const { subpath, file } of browserEntries(pkg.root, pkg.manifest.exports as Record<string, unknown>)) {
      const entry = `${pkg.name}${subpath === '.' ? '' : subpath.slice(1)}`;
      try {
        const r = await build({
          entryPoints: [file],
          bundle: true,
          write: false,
          platform: 'browser',
          format: 'esm',
          target: 'es2022',
          conditions: ['source', 'browser'],
          logLevel: 'silent',
          absWorkingDir: repoRoot,
        });
        results.push({ pkg: pkg.name, entry, ok: true, bytes: r.outputFiles.reduce((a, f) => a + f.contents.length, 0), errors: [] });
      } catch (e) {
        const errs = (e as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors ?? [{ text: String(e) }];
        results.push({
          pkg: pkg.name,
          entry,
          ok: false,
          bytes: 0,
          errors: errs.map((x) => (x.location ? `${x.location.file}:${x.location.line}: ${x.text}` : x.text)),
        });
      }
    }
  }
  return results;
}
