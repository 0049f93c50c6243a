#!/usr/bin/env bash
# Rebuilds static/vendor/pico-2.1.1.red.slim.min.css: Pico CSS 2.1.1 (red theme) with only the modules the pages
# use and the light scheme only (tools/pico/xiaobao.scss), built the way Pico builds its own files: dart-sass
# (1.85.1, the one Pico 2.1.1 was built with: later ones write colours longer), autoprefixer (browserslist
# "defaults", as Pico's package.json), clean-css level 1. Built with every module, this gives the declarations
# of Pico's own pico.red.min.css. Needs node and npm; the packages go to a temporary folder.
# Run it after changing tools/pico/*.scss (e.g. when a page starts using <dialog>).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=static/vendor/pico-2.1.1.red.slim.min.css
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

npm install --prefix "$WORK" --no-audit --no-fund --silent --no-save \
  @picocss/pico@2.1.1 sass@1.85.1 postcss@8 autoprefixer@10 clean-css@5
cp tools/pico/*.scss "$WORK/"
NODE_PATH="$WORK/node_modules" node - "$WORK" "$OUT" <<'JS'
const fs = require("fs");
const path = require("path");
const sass = require("sass");
const postcss = require("postcss");
const autoprefixer = require("autoprefixer");
const CleanCSS = require("clean-css");

const [work, out] = process.argv.slice(2);
const compiled = sass.compile(path.join(work, "xiaobao.scss"), {
  loadPaths: [path.join(work, "node_modules")], style: "expanded", quietDeps: true,
});
postcss([autoprefixer({ overrideBrowserslist: ["defaults"] })])
  .process(compiled.css, { from: undefined })
  .then((prefixed) => {
    const minified = new CleanCSS({ level: 1 }).minify(prefixed.css);
    if (minified.errors.length) throw new Error(minified.errors.join("\n"));
    fs.writeFileSync(out, minified.styles);
    console.log(`${out}: ${minified.styles.length} bytes`);
  });
JS
