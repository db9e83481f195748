// Builds the chat page into one folder that a static server (the gateway) serves as is: index.html, page.css,
// page.js compiled from page/page.ts, and under client/ the compiled client modules that the page imports.
// Browsers load the ES modules directly, so there is no bundler. Run after `npm run build` (dist/ holds the client).
//
//   node scripts/build-page.mjs [--out DIR]      DIR defaults to dist/page/; it is emptied first
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pageDir = join(root, 'page');
const distDir = join(root, 'dist');

function fail(message) {
  console.error(`build-page: ${message}`);
  process.exit(1);
}

function outDir() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  if (at >= 0 && !args[at + 1]) {
    fail('--out needs a folder');
  }
  return resolve(at >= 0 ? args[at + 1] : join(root, 'dist', 'page'));
}

/** The modules index.js needs, found by following its relative imports; a bare import could not load in a page. */
function clientModules() {
  const entry = 'index.js';
  if (!existsSync(join(distDir, entry))) {
    fail(`${relative(process.cwd(), join(distDir, entry))} is missing: run npm run build first`);
  }
  const found = new Set();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (found.has(file)) {
      continue;
    }
    found.add(file);
    // The compiler's own scan: imports inside comments and strings (documentation examples) do not count.
    const { importedFiles } = ts.preProcessFile(readFileSync(join(distDir, file), 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) {
        fail(`dist/${file} imports "${specifier}", which a browser cannot load without a bundler`);
      }
      const target = relative(distDir, resolve(dirname(join(distDir, file)), specifier));
      if (target.startsWith('..')) {
        fail(`dist/${file} imports ${specifier}, outside dist/`);
      }
      pending.push(target);
    }
  }
  return [...found].sort();
}

/** Compiles page.ts against the client's declarations, laid out as the page sees them: ./client/*.d.ts. */
function compilePage(out) {
  const staging = mkdtempSync(join(tmpdir(), 'tether-page-'));
  try {
    cpSync(join(pageDir, 'page.ts'), join(staging, 'page.ts'));
    for (const file of readdirSync(distDir, { recursive: true })) {
      if (String(file).endsWith('.d.ts')) {
        cpSync(join(distDir, file), join(staging, 'client', file));
      }
    }
    const options = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: [],
      strict: true,
      noImplicitOverride: true,
      noFallthroughCasesInSwitch: true,
      skipLibCheck: true,
      sourceMap: true,
      inlineSources: true,
      noEmitOnError: true,
      rootDir: staging,
      outDir: out,
    };
    const program = ts.createProgram([join(staging, 'page.ts')], options);
    const result = program.emit();
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
    if (diagnostics.length > 0) {
      const host = {
        getCanonicalFileName: (name) => name,
        getCurrentDirectory: () => staging,
        getNewLine: () => '\n',
      };
      console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, host).replaceAll(staging, 'page'));
      fail('page.ts does not compile');
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

const out = outDir();
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'client'), { recursive: true });
const modules = clientModules();
for (const file of modules) {
  cpSync(join(distDir, file), join(out, 'client', file));
  if (existsSync(join(distDir, `${file}.map`))) {
    cpSync(join(distDir, `${file}.map`), join(out, 'client', `${file}.map`));
  }
}
compilePage(out);
const assets = readdirSync(pageDir).filter((name) => !name.endsWith('.ts') && name !== 'README.md');
for (const name of assets) {
  cpSync(join(pageDir, name), join(out, name));
}
console.log(`build-page: ${relative(process.cwd(), out) || '.'}: page.js, ${assets.join(', ')}, `
  + `${modules.length} client module(s)`);
