#!/bin/sh
# Builds web/dist with Debian's esbuild where Node.js is older than Vite needs (Debian 12 ships
# Node 18, Vite 8 needs 20.19): CMake runs this instead of `npm run build` there. The same
# sources, type-checked by the same tsc (which runs on Node 18), bundled and minified into one
# hashed script and stylesheet that index.html names, as Vite's build does.
set -eu
cd "$(dirname "$0")"
node node_modules/typescript/bin/tsc -b
rm -rf dist
esbuild src/main.tsx --bundle --minify --format=esm --target=es2022 --jsx=automatic \
  --loader:.css=css --define:process.env.NODE_ENV='"production"' --log-level=warning \
  --entry-names='[name]-[hash]' --outdir=dist/assets
js=$(cd dist && ls assets/main-*.js)
css=$(cd dist && ls assets/main-*.css)
sed -e "s|</head>|  <link rel=\"stylesheet\" href=\"/$css\" />\n  </head>|" \
  -e "s|src=\"/src/main.tsx\"|src=\"/$js\"|" index.html >dist/index.html
grep -q "/$js" dist/index.html || { echo "build-esbuild.sh: index.html names no script" >&2; exit 1; }
