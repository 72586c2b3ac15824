#!/usr/bin/env bash
# Vendor the browser libraries of the offline field work from the npm registry: the Workbox modules the service
# worker imports and idb (the IndexedDB wrapper the page and the worker share). Versions, checksums and the files
# taken from each package are pinned in platform/carehub/vendor.json; the files land in
# platform/carehub/static/vendor/<name>-<version>/ (ignored by git), so nothing is ever loaded from a CDN.
#
# Called by deploy/services.sh (make run, make test) and by deploy/Dockerfile's node stage. Needs node and npm.
# Does nothing when the pinned versions are in place: each directory keeps a stamp of what was copied into it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MANIFEST="$ROOT/platform/carehub/vendor.json"
DEST="$ROOT/platform/carehub/static/vendor"

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || die "vendoring needs node and npm"

# One line per package: "<name> <version> <package> <integrity> <file>...", in the manifest's order.
lines="$(node -e '
    const manifest = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const [name, group] of Object.entries(manifest))
        for (const [pkg, spec] of Object.entries(group.packages))
            console.log([name, group.version, pkg, spec.integrity, ...spec.files].join(" "));
' "$MANIFEST")"

# The sha512 integrity string npm publishes, of a downloaded tarball.
integrity_of() {
    node -e 'const data = require("fs").readFileSync(process.argv[1]);
             console.log("sha512-" + require("crypto").createHash("sha512").update(data).digest("base64"));' "$1"
}

vendor_group() {  # name version: fetch, check and copy every package of the group, then swap the directory in
    local name=$1 version=$2 target="$DEST/$1-$2" stamp
    stamp="$(grep "^$name $version " <<<"$lines")"
    if [[ -f $target/.vendored && "$(<"$target/.vendored")" == "$stamp" ]]; then
        return 0
    fi
    local work="$WORK/$name" staging="$WORK/$name/out"
    mkdir -p "$staging"
    local _name _version pkg integrity files tarball file
    while read -r _name _version pkg integrity files; do
        tarball="$(cd "$work" && npm pack --silent --ignore-scripts "$pkg@$version" </dev/null)"
        [[ "$(integrity_of "$work/$tarball")" == "$integrity" ]] \
            || die "$pkg@$version: the registry's tarball does not match the checksum pinned in vendor.json"
        mkdir -p "$work/$pkg"
        tar -xzf "$work/$tarball" -C "$work/$pkg" --strip-components=1
        for file in $files; do
            cp "$work/$pkg/$file" "$staging/$(basename "$file")"
        done
    done <<<"$stamp"
    printf '%s\n' "$stamp" >"$staging/.vendored"
    # Older versions of the group go: the pages and the worker only ever name the pinned one.
    rm -rf "$DEST/$name"-[0-9]*
    mv "$staging" "$target"
    echo "vendor: $name $version -> ${target#"$ROOT"/}"
}

mkdir -p "$DEST"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
while read -r name version; do
    vendor_group "$name" "$version"
done < <(cut -d' ' -f1,2 <<<"$lines" | uniq)
