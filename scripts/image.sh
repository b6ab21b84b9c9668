#!/usr/bin/env bash
# Build FullPicture's container image from the Dockerfile, and run containers of it, on a machine
# with a Docker engine or, without one, with Debian's podman.
#   scripts/image.sh build        the image (fullpicture:local, the name docker-compose.yml uses;
#                                 its ID in .fullpicture/image.id)
#   scripts/image.sh prepare      only the tools and the base image (exit 3: no engine can be had)
#   scripts/image.sh engine       the engine's command words, one a line ("docker", or "podman"
#                                 with the OCI runtime that starts containers here)
#   scripts/image.sh run-options  the options every `ENGINE run` needs here, one a line
#   scripts/image.sh run [ARG...] `fullpicture ARG...` in a throwaway container on the host network
#
# Without an image registry, podman cannot pull the Dockerfile's base image
# (python:3.11-slim-bookworm). An equivalent one is made from Debian's own packages: debootstrap
# bookworm (the same Debian release) with Debian's python3 (the same Python 3.11, in /usr/bin
# rather than /usr/local/bin), pip allowed to install into the system (as in the official image),
# and this machine's CA bundle and pip configuration so `pip` in the build reaches the same
# package index. It is imported under the official name, kept in the cache directory, and made
# again only when its recipe, the CA bundle or the pip configuration changes.
#
# Overrides: FULLPICTURE_IMAGE (the tag), FULLPICTURE_CACHE_DIR (~/.cache/fullpicture).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
IMAGE="${FULLPICTURE_IMAGE:-fullpicture:local}"
# The ID of the image this checkout built last: a tag may be rebuilt meanwhile from another one.
IMAGE_ID_FILE="$REPO/.fullpicture/image.id"
CACHE="${FULLPICTURE_CACHE_DIR:-$HOME/.cache/fullpicture}/image"
BASE_IMAGE="docker.io/library/python:3.11-slim-bookworm"
BASE_SUITE="bookworm"
BASE_PACKAGES="python3,python3-pip,python3-venv,python-is-python3,ca-certificates"
# What the official image's configuration sets besides its files.
BASE_CONFIGURATION=("ENV LANG=C.UTF-8" 'CMD ["python3"]')
HOST_CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt"
NO_ENGINE=3

say() { echo "image: $*" >&2; }

# --- the engine ----------------------------------------------------------------------------------

docker_engine_runs() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }

install_podman() {
  local wanted=()
  command -v podman >/dev/null || wanted+=(podman)
  command -v runc >/dev/null || wanted+=(runc)
  command -v debootstrap >/dev/null || wanted+=(debootstrap)
  [ "${#wanted[@]}" = 0 ] && return
  say "installing ${wanted[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  # Waits for another apt to finish rather than taking a busy lock for "cannot be installed".
  {
    apt-get -o DPkg::Lock::Timeout=600 update -qq || true
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${wanted[@]}" >/dev/null || true
  } 2>"$CACHE/apt.log"
  if ! command -v podman >/dev/null; then
    say "podman cannot be installed here (no Docker engine runs either):"
    sed 's/^/image:   /' "$CACHE/apt.log" >&2
    exit "$NO_ENGINE"
  fi
}

# Containers get the machine's own hard limits: podman's defaults ask for more open files and
# processes than an unprivileged sandbox may grant (podman caps its own process limit at
# kernel.pid_max).
run_options() {
  local files processes pid_max
  files="$(ulimit -Hn)"
  processes="$(ulimit -Hu)"
  pid_max="$(cat /proc/sys/kernel/pid_max)"
  if [ "$processes" = unlimited ] || [ "$processes" -gt "$pid_max" ]; then processes="$pid_max"; fi
  [ "$files" = unlimited ] && files=1048576
  printf '%s\n' --network=host --ulimit "nofile=$files:$files" --ulimit "nproc=$processes:$processes"
}

# The first OCI runtime that starts a container of the base image here: podman's default (crun
# refuses a machine whose cgroups are in hybrid mode), then runc.
podman_runtime() {
  local runtime options
  mapfile -t options < <(run_options)
  for runtime in crun runc; do
    command -v "$runtime" >/dev/null || continue
    if podman --runtime "$runtime" run --rm --pull=never "${options[@]}" "$BASE_IMAGE" true \
        >/dev/null 2>"$CACHE/runtime-$runtime.log"; then
      echo "$runtime"
      return
    fi
  done
  say "no OCI runtime starts a container here:"
  tail -n 3 "$CACHE"/runtime-*.log | sed 's/^/image:   /' >&2
  exit 1
}

engine_words() {
  if docker_engine_runs; then
    echo docker
  else
    printf '%s\n' podman --runtime "$(podman_runtime)"
  fi
}

# --- the base image ------------------------------------------------------------------------------

debian_mirror() {
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null \
    | awk -v suite="$BASE_SUITE" '$2 == suite { print $1; exit }'
}

# The pip settings of this machine (its files and PIP_* variables) that reach the package index,
# as the base image's /etc/pip.conf; the CA bundle becomes the image's own.
pip_configuration() {
  echo "[global]"
  echo "cert = /etc/ssl/certs/ca-certificates.crt"
  { python3 -m pip config list 2>/dev/null || true; } \
    | sed -n "s/^[^.]*\.\(index-url\|extra-index-url\|trusted-host\|timeout\|default-timeout\|proxy\)='\(.*\)'$/\1 = \2/p" \
    | sed 's/^default-timeout/timeout/' | sort -u
}

# Changes whenever the base image would come out differently. It is written into the image's files
# too: a build reuses its cached steps as long as the base's files are the same, whatever its
# configuration says.
base_recipe() {
  { echo "$BASE_SUITE $BASE_PACKAGES $(debian_mirror) ${BASE_CONFIGURATION[*]}"
    pip_configuration; cat "$HOST_CA_BUNDLE"; } | sha256sum | cut -c1-12
}

base_image_recipe() {
  podman image inspect --format '{{ index .Config.Labels "fullpicture.base.recipe" }}' \
    "$BASE_IMAGE" 2>/dev/null || true
}

make_base_rootfs() {
  local tarball="$1" recipe="$2" mirror rootfs
  mirror="$(debian_mirror)"
  [ -n "$mirror" ] || { say "no Debian $BASE_SUITE mirror in this machine's apt sources"; exit 1; }
  rootfs="$CACHE/rootfs.$$"
  rm -rf "$rootfs"
  say "making the base image: debootstrap $BASE_SUITE with $BASE_PACKAGES from $mirror (about a minute)"
  if ! debootstrap --variant=minbase --include="$BASE_PACKAGES" "$BASE_SUITE" "$rootfs" "$mirror" \
      >"$CACHE/debootstrap.log" 2>&1; then
    tail -n 20 "$CACHE/debootstrap.log" >&2
    rm -rf "$rootfs"
    exit 1
  fi
  rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
  cp "$HOST_CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  pip_configuration > "$rootfs/etc/pip.conf"
  echo "$BASE_IMAGE made by scripts/image.sh, recipe $recipe" > "$rootfs/etc/fullpicture-base-recipe"
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old
  rm -f "$CACHE"/base-*.tar
  tar --numeric-owner -C "$rootfs" -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  rm -rf "$rootfs"
}

base_image() {
  local recipe tarball changes=() change
  recipe="$(base_recipe)"
  if [ "$(base_image_recipe)" = "$recipe" ]; then
    say "base image $BASE_IMAGE is current (Debian $BASE_SUITE, Python 3.11; recipe $recipe)"
    return
  fi
  tarball="$CACHE/base-$BASE_SUITE-$recipe.tar"
  [ -f "$tarball" ] || make_base_rootfs "$tarball" "$recipe"
  say "importing the base image as $BASE_IMAGE from $tarball"
  for change in "${BASE_CONFIGURATION[@]}" "LABEL fullpicture.base.recipe=$recipe"; do
    changes+=(--change "$change")
  done
  podman import --quiet "${changes[@]}" "$tarball" "$BASE_IMAGE" >/dev/null
}

# The Dockerfile must be built on the image the stand-in replaces, nothing else.
check_dockerfile_base() {
  local other
  other="$(awk 'toupper($1) == "FROM" { print $2 }' "$REPO/Dockerfile" \
    | grep -v -x -e "python:3.11-slim-bookworm" -e "$BASE_IMAGE" || true)"
  if [ -n "$other" ]; then
    say "the Dockerfile builds FROM $other; without a registry only $BASE_IMAGE can be made here"
    exit 1
  fi
}

prepare() {
  mkdir -p "$CACHE"
  if docker_engine_runs; then
    say "a Docker engine runs: it pulls the base image itself"
    return
  fi
  install_podman
  check_dockerfile_base
  base_image
}

# --- the image -----------------------------------------------------------------------------------

# Runs a build, its step lines as progress and its whole output in the log (shown if it fails).
show_steps() {
  local build_log="$CACHE/build.log" status
  set +o pipefail
  "$@" 2>&1 | tee "$build_log" | { grep --line-buffered -E '^(\[[0-9]+/[0-9]+\] )?STEP |^#[0-9]+ \[' || true; } \
    | sed -u 's/^/image:   /' >&2
  status="${PIPESTATUS[0]}"
  set -o pipefail
  if [ "$status" != 0 ]; then
    say "the build failed; its last lines ($build_log):"
    tail -n 30 "$build_log" >&2
    exit 1
  fi
}

# The wheel stage is tagged too, so that removing superseded images leaves its steps cached.
# Images superseded over an hour ago go (a build of another checkout may still be using a newer
# one); each holds the dependencies' install, some 550 MB.
podman_build() {
  local options
  mapfile -t options < <(run_options)
  set -- "$@" build --isolation=oci "${options[@]}" --pull=never
  show_steps "$@" --target wheel -t "$IMAGE-wheel" "$REPO"
  show_steps "$@" --iidfile "$IMAGE_ID_FILE" -t "$IMAGE" "$REPO"
  podman image prune -f --filter until=1h >/dev/null
}

build() {
  local started=$SECONDS found words
  prepare
  mkdir -p "$(dirname "$IMAGE_ID_FILE")"
  rm -f "$IMAGE_ID_FILE"
  found="$(engine_words)"
  mapfile -t words <<< "$found"
  if [ "${words[0]}" = docker ]; then
    say "building $IMAGE with Docker"
    show_steps docker build --network=host --iidfile "$IMAGE_ID_FILE" -t "$IMAGE" "$REPO"
  else
    say "building $IMAGE with ${words[*]} (steps already built are reused)"
    podman_build "${words[@]}"
  fi
  say "built $IMAGE ($(cut -c1-19 "$IMAGE_ID_FILE"), its ID in $IMAGE_ID_FILE) in $((SECONDS - started)) s"
}

run() {
  local found words options
  found="$(engine_words)"
  mapfile -t words <<< "$found"
  mapfile -t options < <(run_options)
  exec "${words[@]}" run --rm "${options[@]}" "$IMAGE" "$@"
}

case "${1:-}" in
  build) build ;;
  prepare) prepare ;;
  engine) prepare; engine_words ;;
  run-options) run_options ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 build|prepare|engine|run-options|run [ARG...]" >&2; exit 2 ;;
esac
