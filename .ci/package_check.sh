#!/usr/bin/env bash
# CI: brook as a user gets it. Packs the tarball (npm pack runs the build), installs it into a fresh project
# with no dev dependencies, and there, with no Bun or Deno on PATH: `brook --version`, `brook edges` (the same
# bytes as from the clone), `brook exodus info` (when ../shared has a SEACAS file), a Bun and a Deno script
# that import "brook" and run a pipeline, and `tsc --strict` over a user file. Run from the repository root
# after npm install.
set -euo pipefail
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -1)
echo "package: $tarball, $(du -k "$work/$tarball" | cut -f1) KiB, $(tar tzf "$work/$tarball" | wc -l) files"
stray=$(tar tzf "$work/$tarball" | grep -Ev '^package/(lib/.*\.(js|d\.ts|wasm)|bin/brook|README\.md|LICENSE|package\.json)$' || true)
[ -z "$stray" ] || { echo "package_check: the tarball carries more than lib/, bin/brook and the docs:" >&2; echo "$stray" >&2; exit 1; }
app=$work/app
mkdir -p "$app"
cp "$root"/.ci/package/user_*.ts "$app/"
cd "$app"
printf '{ "name": "app", "private": true, "type": "module" }\n' > package.json
npm install --no-audit --no-fund --loglevel=error "$work/$tarball"
[ ! -e node_modules/typescript ] && [ ! -e node_modules/@types/node ] && [ ! -e node_modules/deno ] ||
  { echo "package_check: a dev dependency was installed" >&2; exit 1; }

# a PATH without Bun or Deno (node stays: npm needs it, brook does not)
nodedir=$(dirname "$(command -v node)")
clean_path=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
case ":$clean_path:" in *":$nodedir:"*) ;; *) clean_path=$clean_path:$nodedir ;; esac
for tool in bun deno; do
  if env PATH="$clean_path" sh -c "command -v $tool" >/dev/null; then
    echo "package_check: $tool is on the clean PATH ($clean_path)" >&2
    exit 1
  fi
done
brook() { env PATH="$clean_path" "$app/node_modules/.bin/brook" "$@"; }

version=$(brook --version)
[ "$version" = "brook $(node -p 'require(process.argv[1]).version' "$root/package.json")" ] ||
  { echo "package_check: brook --version printed '$version'" >&2; exit 1; }
[ "$(brook -V)" = "$version" ]
echo "installed: $version"

"$root/node_modules/.bin/bun" "$root/bench/make_embeddings.ts" "$work/emb.npy" 2000 64 >/dev/null
"$root/bin/brook" edges "$work/emb.npy" --threshold 0.8 --out "$work/expected.tsv" --quiet
brook edges "$work/emb.npy" --threshold 0.8 --memory 256MB --out "$work/installed.tsv" --quiet
cmp "$work/expected.tsv" "$work/installed.tsv"
BROOK_RUNTIME=deno env PATH="$clean_path:$(dirname "$root/node_modules/.bin/deno")" \
  "$app/node_modules/.bin/brook" edges "$work/emb.npy" --threshold 0.8 --out "$work/deno.tsv" --quiet
cmp "$work/expected.tsv" "$work/deno.tsv"
echo "edges: $(wc -l <"$work/expected.tsv") edges, the same bytes from the clone, the installed bin and on Deno"

exo="$root/../shared/data/exodus/8-block.g"
if [ -f "$exo" ]; then
  brook exodus info "$exo" | node -e 'const i = JSON.parse(require("fs").readFileSync(0, "utf8")); if (!i.blocks) process.exit(1)'
  echo "exodus info: ok"
else
  echo "exodus info: skipped (no ../shared/data/exodus here)"
fi

# an unknown runtime: one line, no stack trace
set +e
msg=$(BROOK_RUNTIME=node brook --version 2>&1)
code=$?
set -e
[ "$code" = 2 ] && [ "$(printf '%s\n' "$msg" | wc -l)" = 1 ] || { echo "package_check: BROOK_RUNTIME=node gave: $msg" >&2; exit 1; }

# the library from Bun (the one brook brought) and from Deno (the clone's, resolving "brook" from node_modules)
bun=
for b in "$app"/node_modules/@oven/bun-*/bin/bun "$app/node_modules/bun/bin/bun.exe"; do
  if [ -z "$bun" ] && [ -x "$b" ] && [ "$(wc -c <"$b")" -gt 1000000 ]; then bun=$b; fi
done
env PATH="$clean_path" "$bun" user_bun.ts "$work/emb.npy" "$work/bun.tsv"
cmp "$work/expected.tsv" "$work/bun.tsv"
env PATH="$clean_path" "$root/node_modules/.bin/deno" run -A --quiet user_deno.ts "$work/emb.npy" "$work/deno-lib.tsv"
cmp "$work/expected.tsv" "$work/deno-lib.tsv"

# a user's type check: tsc --strict over a file that imports brook, nothing else installed
node "$root/node_modules/typescript/bin/tsc" --strict --noEmit --target es2022 --module nodenext \
  --moduleResolution nodenext user_types.ts
echo "library: Bun and Deno scripts wrote the same edges; tsc --strict passes"
