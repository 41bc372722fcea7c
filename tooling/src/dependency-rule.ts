/**
 * The dependency rule of the architecture (see `docs/architecture.md`), checked on sources
 * and manifests:
 *
 * (a) a component package (`noise-peer`, `channel`, `monitor`, `gossip`, `router`) never
 *     depends on another component — neither in `package.json` (any kind of dependency)
 *     nor by an import in any of its files (sources, tests, benchmarks);
 * (b) a core (non-composition) package's sources never import `node:` modules or Node
 *     built-ins, nor use the Node-only globals `Buffer`, `process`, `require`, `__dirname`,
 *     `__filename`, outside its Node-only entry points (`src/node.ts`, `src/node/…`,
 *     `src/cli.ts`, `*.node.ts`), and never import a Node-only file from a core file.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { isNodeOnlyFile, listPackages, listSourceFiles, rel, type WorkspacePackage } from './workspace.js';

/** One broken rule, naming the file and the offending import or identifier. */
export interface Violation {
  rule: 'component-imports-component' | 'component-depends-on-component' | 'node-api-in-core' | 'core-imports-node-only-file';
  /** Repo-relative path of the file (or package.json). */
  file: string;
  line: number;
  /** The import specifier, dependency name or global identifier. */
  what: string;
  message: string;
}

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const NODE_GLOBALS = new Set(['Buffer', 'process', 'require', '__dirname', '__filename', 'global']);

function componentOf(specifier: string, byName: Map<string, WorkspacePackage>): WorkspacePackage | undefined {
  const m = /^(@ln\/[^/]+)/.exec(specifier);
  return m ? byName.get(m[1]!) : undefined;
}

interface FileFacts {
  imports: { specifier: string; line: number }[];
  globals: { name: string; line: number }[];
}

/** Imports (static, dynamic, require, export-from) and uses of Node-only globals in one file. */
export function scanFile(path: string, text = readFileSync(path, 'utf8')): FileFacts {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports: FileFacts['imports'] = [];
  const globals: { name: string; line: number; pos: number }[] = [];
  // Local declarations shadow globals only inside their scope: [name, scope start, scope end].
  const declared: [string, number, number][] = [];
  const scopeOf = (n: ts.Node): ts.Node => {
    let p: ts.Node | undefined = n.parent;
    if (ts.isParameter(n)) return n.parent; // the function
    while (p && !ts.isBlock(p) && !ts.isSourceFile(p) && !ts.isFunctionLike(p) && !ts.isModuleBlock(p)) p = p.parent;
    return p ?? sf;
  };
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      imports.push({ specifier: node.moduleSpecifier.text, line: lineOf(node) });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      imports.push({ specifier: node.moduleReference.expression.text, line: lineOf(node) });
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteral(node.arguments[0]!)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) {
        imports.push({ specifier: (node.arguments[0] as ts.StringLiteral).text, line: lineOf(node) });
      }
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      imports.push({ specifier: node.argument.literal.text, line: lineOf(node) });
    }
    if ((ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name && ts.isIdentifier(node.name)) {
      const scope = scopeOf(node);
      declared.push([node.name.text, scope.getStart(sf), scope.getEnd()]);
    }
    if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text)) {
      const p = node.parent;
      const isPropertyName =
        (ts.isPropertyAccessExpression(p) && p.name === node) ||
        (ts.isPropertyAssignment(p) && p.name === node) ||
        (ts.isPropertyDeclaration(p) && p.name === node) ||
        (ts.isPropertySignature(p) && p.name === node) ||
        (ts.isMethodDeclaration(p) && p.name === node) ||
        (ts.isMethodSignature(p) && p.name === node) ||
        ts.isQualifiedName(p) ||
        (ts.isBindingElement(p) && p.propertyName === node) ||
        ((ts.isVariableDeclaration(p) || ts.isParameter(p)) && p.name === node);
      if (!isPropertyName) globals.push({ name: node.text, line: lineOf(node), pos: node.getStart(sf) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const shadowed = (g: { name: string; pos: number }) => declared.some(([n, a, b]) => n === g.name && g.pos >= a && g.pos <= b);
  return { imports, globals: globals.filter((g) => !shadowed(g)).map(({ name, line }) => ({ name, line })) };
}

function resolveRelative(fromFile: string, specifier: string): string {
  const abs = resolve(dirname(fromFile), specifier);
  return abs.replace(/\.(js|mjs|cjs)$/, '.ts');
}

/** Checks the whole repository rooted at `repoRoot`; returns every violation (empty when clean). */
export function checkDependencyRule(repoRoot: string): Violation[] {
  const pkgs = listPackages(repoRoot);
  const byName = new Map(pkgs.map((p) => [p.name, p]));
  const out: Violation[] = [];

  for (const pkg of pkgs) {
    const manifestFile = rel(repoRoot, join(pkg.root, 'package.json'));
    if (pkg.kind === 'component') {
      for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const) {
        for (const dep of Object.keys(pkg.manifest[field] ?? {})) {
          const target = byName.get(dep);
          if (target && target.kind === 'component') {
            out.push({
              rule: 'component-depends-on-component',
              file: manifestFile,
              line: 0,
              what: dep,
              message: `${manifestFile}: component ${pkg.name} lists component ${dep} in ${field}; components may depend only on shared packages`,
            });
          }
          if (target && target.kind === 'composition') {
            out.push({
              rule: 'component-depends-on-component',
              file: manifestFile,
              line: 0,
              what: dep,
              message: `${manifestFile}: ${pkg.name} lists composition package ${dep} in ${field}; only compositions may depend on compositions`,
            });
          }
        }
      }
    }

    const srcDir = join(pkg.root, 'src');
    const allFiles = ['src', 'test', 'bench'].flatMap((d) => listSourceFiles(join(pkg.root, d)));
    for (const file of allFiles) {
      const facts = scanFile(file);
      const relFile = rel(repoRoot, file);
      const inSrc = file.startsWith(srcDir + '/');
      const nodeOnly = !inSrc || isNodeOnlyFile(relative(srcDir, file));
      for (const imp of facts.imports) {
        const target = componentOf(imp.specifier, byName);
        if (pkg.kind === 'component' && target && target !== pkg && target.kind !== 'shared') {
          out.push({
            rule: 'component-imports-component',
            file: relFile,
            line: imp.line,
            what: imp.specifier,
            message: `${relFile}:${imp.line}: component ${pkg.name} imports ${imp.specifier}; components never import other components (move the seam into a shared package)`,
          });
        }
        if (pkg.kind !== 'composition' && inSrc && !nodeOnly) {
          if (NODE_BUILTINS.has(imp.specifier) || NODE_BUILTINS.has(imp.specifier.split('/')[0]!)) {
            out.push({
              rule: 'node-api-in-core',
              file: relFile,
              line: imp.line,
              what: imp.specifier,
              message: `${relFile}:${imp.line}: core source imports Node module '${imp.specifier}'; move it to a Node-only entry point (src/node.ts, src/node/…)`,
            });
          } else if (imp.specifier.startsWith('.')) {
            const resolved = resolveRelative(file, imp.specifier);
            if (resolved.startsWith(srcDir + '/') && isNodeOnlyFile(relative(srcDir, resolved))) {
              out.push({
                rule: 'core-imports-node-only-file',
                file: relFile,
                line: imp.line,
                what: imp.specifier,
                message: `${relFile}:${imp.line}: core source imports Node-only file '${imp.specifier}'`,
              });
            }
          } else if (/^@ln\/[^/]+\/(node|cli)(\/|$)/.test(imp.specifier)) {
            out.push({
              rule: 'core-imports-node-only-file',
              file: relFile,
              line: imp.line,
              what: imp.specifier,
              message: `${relFile}:${imp.line}: core source imports Node-only entry point '${imp.specifier}'`,
            });
          }
        }
      }
      if (pkg.kind !== 'composition' && inSrc && !nodeOnly) {
        for (const g of facts.globals) {
          out.push({
            rule: 'node-api-in-core',
            file: relFile,
            line: g.line,
            what: g.name,
            message: `${relFile}:${g.line}: core source uses Node-only global '${g.name}'; use Uint8Array/explicit parameters, or move it to a Node-only entry point`,
          });
        }
      }
    }
  }
  return out;
}
