// Builds the deployable backend: `dist/server.js` (the service) and `dist/admin.js` (the operator CLI),
// bundled by esbuild with the workspace's own TypeScript (protocol included) and the npm packages left
// external, the PDF reader's worker file beside them, plus `migrations/` and a package.json, the layout
// db/migrate.ts and server.ts expect. The Dockerfile runs this; so does the CLI test, which then runs the bundle with plain node.
//
//   npm run build -w @voxanne/backend            → backend/dist (next to backend/migrations)
//   tsx backend/scripts/build.ts --out /build    → /build/{dist,migrations,package.json}
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const BACKEND_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface BackendPackage {
  name: string;
  version: string;
  dependencies: Record<string, string>;
}

/** Writes `<outRoot>/dist/{server,admin}.js`; with a separate outRoot also its migrations and package.json. */
export async function buildBackend(outRoot: string = BACKEND_DIR): Promise<{ server: string; admin: string }> {
  const pkg = JSON.parse(fs.readFileSync(path.join(BACKEND_DIR, 'package.json'), 'utf8')) as BackendPackage;
  // Workspace packages are TypeScript source: bundled. Everything from npm stays a runtime dependency.
  const external = Object.keys(pkg.dependencies).filter((name) => !name.startsWith('@voxanne/'));
  const outdir = path.join(outRoot, 'dist');
  await build({
    entryPoints: { server: path.join(BACKEND_DIR, 'src/server.ts'), admin: path.join(BACKEND_DIR, 'src/admin/cli.ts') },
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Modules the code imports on demand (optional integrations) become chunks loaded on demand.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    external,
    conditions: ['@voxanne/source'],
    sourcemap: true,
    // Some CommonJS dependencies call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __voxanneCreateRequire } from 'node:module'; const require = __voxanneCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  // The PDF reader's worker is plain JavaScript loaded by file name (knowledge/pdf-text.ts), next to
  // whichever output file holds that code: the entry's folder, or the chunks' if esbuild moves it.
  for (const folder of [outdir, path.join(outdir, 'chunks')]) {
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(path.join(BACKEND_DIR, 'src/knowledge/pdf-text-worker.mjs'), path.join(folder, 'pdf-text-worker.mjs'));
  }
  if (path.resolve(outRoot) !== BACKEND_DIR) {
    fs.cpSync(path.join(BACKEND_DIR, 'migrations'), path.join(outRoot, 'migrations'), { recursive: true });
    const runtime = { name: pkg.name, version: pkg.version, private: true, type: 'module', dependencies: pick(pkg.dependencies, external) };
    fs.writeFileSync(path.join(outRoot, 'package.json'), `${JSON.stringify(runtime, null, 2)}\n`);
  }
  return { server: path.join(outdir, 'server.js'), admin: path.join(outdir, 'admin.js') };
}

function pick(all: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, all[name]!]));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outRoot = at >= 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]!) : BACKEND_DIR;
  const built = await buildBackend(outRoot);
  process.stdout.write(`built ${path.relative(process.cwd(), built.server)} and ${path.relative(process.cwd(), built.admin)}\n`);
}
