/**
 * Knowledge about the repository's packages: which are components, which are composition
 * packages, which files are Node-only entry points.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The component packages of the architecture: they never depend on each other. */
export const COMPONENTS = ['noise-peer', 'channel', 'monitor', 'gossip', 'router'] as const;
/** Composition packages: they may depend on components, and are Node-only. */
export const COMPOSITIONS = ['node', 'integration-tests', 'router-service'] as const;

export type PackageKind = 'component' | 'composition' | 'shared';

export interface WorkspacePackage {
  /** Directory name under `packages/`. */
  dir: string;
  /** npm name, e.g. `@ln/wire`. */
  name: string;
  kind: PackageKind;
  root: string;
  manifest: {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    exports?: Record<string, unknown>;
  };
}

export function kindOf(dir: string): PackageKind {
  if ((COMPONENTS as readonly string[]).includes(dir)) return 'component';
  if ((COMPOSITIONS as readonly string[]).includes(dir)) return 'composition';
  return 'shared';
}

/** Lists `packages/*` with a package.json. */
export function listPackages(repoRoot: string): WorkspacePackage[] {
  const base = join(repoRoot, 'packages');
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .sort()
    .filter((d) => existsSync(join(base, d, 'package.json')))
    .map((dir) => {
      const root = join(base, dir);
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      return { dir, name: manifest.name, kind: kindOf(dir), root, manifest };
    });
}

/**
 * Whether a source file (path relative to its package's `src/`) is a Node-only entry point
 * or part of one: `node.ts`, `*.node.ts`, anything under `node/`, `cli.ts`, anything under `cli/` or `bin/`.
 */
export function isNodeOnlyFile(relToSrc: string): boolean {
  const parts = relToSrc.split(sep).join('/').split('/');
  const file = parts[parts.length - 1]!;
  if (parts.slice(0, -1).some((p) => p === 'node' || p === 'cli' || p === 'bin')) return true;
  return /^(node|cli)\.(ts|mts|cts|js)$/.test(file) || /\.node\.(ts|mts|cts|js)$/.test(file);
}

/** All `.ts` files under a directory, recursively. */
export function listSourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listSourceFiles(p));
    else if (/\.(ts|mts|cts)$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

export function rel(repoRoot: string, p: string): string {
  return relative(repoRoot, p).split(sep).join('/');
}
