// Builds ../../assets/vendor/plotly-custom.min.js from the pinned npm plotly.js (see README.md).
//
//   npm ci && npm run build     write the bundle and plotly.js's LICENSE beside it
//   npm run check               rebuild in memory and fail if it differs from the committed files (.ci/run does this)
//
// dashboard/static_files.py compresses the bundle once per version (brotli 11, gzip 9) into the data folder and
// serves the copy the browser accepts, so no compressed copy is committed and none is made per request.
//
// Mirrors plotly.js's own dist build (its esbuild-config.js and tasks/partial_bundle.mjs):
// an IIFE exposing the global `Plotly`, ES2016, the attribute descriptions stripped, the MIT header on top.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const OUT = join(here, '..', '..', 'assets', 'vendor', 'plotly-custom.min.js');
const LICENSE_OUT = join(dirname(OUT), 'plotly.js-LICENSE.txt');
const TRACES = ['scatter', 'choropleth', 'scattergeo', 'bar'];
const version = require('plotly.js/package.json').version;
const licence = readFileSync(require.resolve('plotly.js/LICENSE'), 'utf8');

const header = `/**
* plotly.js (custom: ${TRACES.join(', ')} - minified) v${version}
* Copyright 2012-2026, Plotly, Inc.
* All rights reserved.
* Licensed under the MIT license
*
* Built for the Cluster Observatory Map by tools/plotly-bundle (esbuild ${require('esbuild/package.json').version}).
*/`;

// Plotly's dist bundles drop the attributes' documentation (description, role, hrName, requiredOpts,
// otherOpts), which only the plot schema reads. Same effect here, limited to plotly.js's own sources:
// a one-line string, an array of strings joined (the join may span lines), or a plain array.
const meta = (key, value) => new RegExp(String.raw`\s*${key}: ${value},?`, 'g');
const ONE_LINE_STRING = String.raw`'.*'`;
const JOINED_ARRAY = String.raw`\[[\s\S]*?\]\.join\([\s\S]*?\)`;
const ARRAY = String.raw`\[[\s\S]*?\]`;
const META_RES = [
    meta('description', ONE_LINE_STRING),
    meta('description', JOINED_ARRAY),
    meta('requiredOpts', ARRAY),
    meta('otherOpts', ARRAY),
    meta('role', ONE_LINE_STRING),
    meta('hrName', ONE_LINE_STRING),
];
const stripAttributeMeta = {
    name: 'strip-attribute-meta',
    setup(b) {
        b.onLoad({ filter: /[\\/]plotly\.js[\\/]src[\\/].*\.js$/ }, (args) => {
            let code = readFileSync(args.path, 'utf8');
            for (const re of META_RES) code = code.replace(re, '');
            return { contents: code, loader: 'js' };
        });
    },
};

// src/registry.js requires maplibre-gl's CSS when a `map` subplot trace registers. No such trace is in
// this bundle, so the require never runs; an empty module keeps the CSS (and a CSS loader) out.
const noMaplibreCss = {
    name: 'no-maplibre-css',
    setup(b) {
        b.onResolve({ filter: /^maplibre-gl\/dist\/maplibre-gl\.css$/ }, () => ({ path: 'maplibre-gl.css', namespace: 'empty' }));
        b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: '', loader: 'js' }));
    },
};

const result = await build({
    entryPoints: [join(here, 'entry.js')],
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'Plotly',
    target: 'es2016',
    platform: 'browser',
    define: { global: 'window', 'define.amd': 'false', 'process.env.NODE_DEBUG': 'false' },
    plugins: [stripAttributeMeta, noMaplibreCss],
    banner: { js: header },
    footer: { js: 'window.Plotly = Plotly;' },
    legalComments: 'eof',
    charset: 'utf8',
    write: false,
    metafile: true,
    logLevel: 'warning',
});

const code = result.outputFiles[0].contents;
const inputs = Object.keys(result.metafile.inputs);
if (inputs.some((p) => p.includes('maplibre-gl/dist/maplibre-gl.js') || p.includes('/traces/image/'))) {
    throw new Error('the bundle pulled in maplibre-gl or the image trace: check entry.js');
}
const sha = createHash('sha256').update(code).digest('hex');
const kb = (n) => (n / 1000).toFixed(1) + ' kB';

// Compressed here only to report the sizes: the server makes its own copies once (dashboard/static_files.py),
// so no compressed file is committed.
const compressed = {
    br: brotliCompressSync(code, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: code.length } }),
    gz: gzipSync(code, { level: 9 }),
};

if (process.argv.includes('--check')) {
    const stale = [];
    if (!readFileSync(OUT).equals(Buffer.from(code))) stale.push(OUT);
    if (readFileSync(LICENSE_OUT, 'utf8') !== licence) stale.push(LICENSE_OUT);
    if (stale.length) {
        console.error(`stale: ${stale.join(', ')} (fresh sha256 ${sha}); run npm run build`);
        process.exit(1);
    }
    console.log(`${OUT} matches a fresh build (sha256 ${sha})`);
} else {
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, code);
    writeFileSync(LICENSE_OUT, licence);
    console.log(`wrote ${OUT} and ${LICENSE_OUT}`);
}
console.log(
    `plotly.js ${version}, traces ${TRACES.join(', ')}: ${kb(code.length)} minified, ` +
        `${kb(compressed.br.length)} brotli 11, ${kb(compressed.gz.length)} gzip 9, sha256 ${sha}`
);
