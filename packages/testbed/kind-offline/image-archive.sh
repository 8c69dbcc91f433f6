# Writes container images as docker archives (what `docker save` writes and both `docker load` and
# `ctr images import` read) from layer tarballs, with no container engine and no registry. Sourced.

# layer_from_dir DIR OUT.tar: a reproducible layer of DIR's contents.
layer_from_dir() {
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf "$2" .
}

# image_archive OUT.tar REF CONFIG LAYER.tar...: CONFIG is the image's "config" object as JSON
# (Entrypoint, Cmd, Env, StopSignal, ...); REF a full name such as registry.k8s.io/pause:3.10.1.
image_archive() {
  local out=$1 ref=$2 config=$3 work diff_ids="" layers="" layer sum cfg
  shift 3
  work=$(mktemp -d "$(dirname "$out")/.image.XXXXXX")
  for layer in "$@"; do
    sum=$(sha256sum "$layer" | cut -d' ' -f1)
    [ -e "$work/$sum.tar" ] || cp --reflink=auto "$layer" "$work/$sum.tar"
    diff_ids+="${diff_ids:+,}\"sha256:$sum\"" layers+="${layers:+,}\"$sum.tar\""
  done
  printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$config" "$diff_ids" >"$work/config.json"
  cfg=$(sha256sum "$work/config.json" | cut -d' ' -f1)
  mv "$work/config.json" "$work/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":[%s]}]' "$cfg" "$ref" "$layers" >"$work/manifest.json"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf "$out" .
  rm -rf "$work"
}

# merge_archives OUT.tar IN.tar...: one docker archive holding every image of the INs, each layer once
# (a layer's file is named by its digest, so the images that share one share its file).
merge_archives() {
  local out=$1 work archive
  shift
  work=$(mktemp -d "$(dirname "$out")/.merge.XXXXXX")
  for archive in "$@"; do
    tar -C "$work" --exclude=manifest.json -xf "$archive"
    tar -xOf "$archive" --wildcards '*manifest.json'
  done | jq -s add >"$work/manifest.json"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf "$out" .
  rm -rf "$work"
}
