// Builds every browser asset into one directory the server serves (default build/web):
//   widget.js (loader), widget-ui.js (chat UI), console/ (operator console), demo/ (demo pages).
// Usage: node web/build.mjs [outdir]
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] || path.join(web, '..', 'build', 'web'));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  bundle: true, minify: true, format: 'iife', target: ['es2019'], legalComments: 'none',
  logLevel: 'warning', charset: 'utf8',
};
await esbuild({ ...common, entryPoints: [path.join(web, 'widget/loader.ts')], outfile: path.join(out, 'widget.js') });
await esbuild({ ...common, entryPoints: [path.join(web, 'widget/ui.ts')], outfile: path.join(out, 'widget-ui.js') });

await viteBuild({
  configFile: path.join(web, 'console/vite.config.ts'),
  logLevel: 'warn',
  build: { outDir: path.join(out, 'console'), emptyOutDir: true },
});

cpSync(path.join(web, 'demo'), path.join(out, 'demo'), { recursive: true });
console.log(`web assets built into ${out}`);
