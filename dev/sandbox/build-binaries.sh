#!/usr/bin/env bash
# Builds the real servers the sandbox and the tests run against, through the Go module proxy,
# once. Binaries are cached by version under $SPOT_GUARD_CACHE (default:
# ~/.cache/spot-guard); a binary already in the cache is never rebuilt, and only the missing
# binaries of a component are built (a cache made before kube-scheduler was added gets just it
# and kube-controller-manager).
#
#   build-binaries.sh [kubernetes] [control-plane] [kwok] [aemm] [helm] [promtool]
#                                                        (no argument: kubernetes and the last four)
#
#   kubernetes  control-plane, kube-scheduler and kube-controller-manager
#   control-plane
#               kube-apiserver, kubectl (k8s.io/kubernetes: a wrapper module pins each staging
#               module to its published version, since the upstream go.mod replaces them with
#               local paths and cannot be installed as is) and etcd (go.etcd.io/etcd/server/v3,
#               built in the same wrapper)
#   kwok        sigs.k8s.io/kwok (go install), the kubelet stand-in for the simulated nodes
#   aemm        amazon-ec2-metadata-mock (go install)
#   helm        helm.sh/helm/v3 (go install), for the chart's tests
#   promtool    github.com/prometheus/prometheus/cmd/promtool (go install), for the alerting
#               rules' tests (the module's v0.3MM.P is Prometheus 3.MM.P)
#
# Versions: K8S_VERSION is one of dev/sandbox/kubernetes-versions.txt (default: the line marked
# default there), and etcd is the release that file pairs with it unless ETCD_VERSION says.
#
# stdout: the absolute path of every binary of the components asked for, one a line, in the
# order kube-apiserver, kubectl, kube-scheduler, kube-controller-manager, etcd, kwok,
# ec2-metadata-mock, helm, promtool; each path ends in that name.
# stderr: one line per step for people ("build-binaries: building kube-apiserver (1/5)"; the
# count is of what this run builds), nothing when everything is cached; the Go tool's own
# output only when a step fails.
set -euo pipefail

VERSIONS_FILE="$(dirname "${BASH_SOURCE[0]}")/kubernetes-versions.txt"
K8S_VERSION="${K8S_VERSION:-$(awk '$3 == "default" { print $1 }' "$VERSIONS_FILE")}"
if [ -z "${ETCD_VERSION:-}" ]; then
  ETCD_VERSION="$(awk -v k="$K8S_VERSION" '$1 == k { print $2 }' "$VERSIONS_FILE")"
  [ -n "$ETCD_VERSION" ] || {
    printf 'build-binaries: Kubernetes %s is not in %s; add it there or set ETCD_VERSION too\n' "$K8S_VERSION" "$VERSIONS_FILE" >&2
    exit 2
  }
fi
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
AEMM_VERSION="${AEMM_VERSION:-v1.13.0}"
HELM_VERSION="${HELM_VERSION:-v3.19.0}"
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-v0.316.0}"
CACHE="${SPOT_GUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spot-guard}"

log() { printf 'build-binaries: %s\n' "$*" >&2; }

k8s_dir="$CACHE/kubernetes-$K8S_VERSION"
etcd_dir="$CACHE/etcd-$ETCD_VERSION"
kwok_dir="$CACHE/kwok-$KWOK_VERSION"
aemm_dir="$CACHE/aemm-$AEMM_VERSION"
helm_dir="$CACHE/helm-$HELM_VERSION"
promtool_dir="$CACHE/promtool-$PROMETHEUS_VERSION"

# Runs one step quietly: its output is shown only if it fails, so a build prints a line per step.
quiet() {
  local out
  out="$(mktemp)"
  if ! "$@" >"$out" 2>&1; then
    tail -n 40 "$out" >&2
    rm -f "$out"
    log "failed: $*"
    exit 1
  fi
  rm -f "$out"
}

# The Kubernetes binaries asked for ("path package" per line, in the printed order): the
# control plane's, and the controllers' only with the whole kubernetes component.
k8s_binaries() {
  printf '%s\n' "$k8s_dir/kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver" "$k8s_dir/kubectl k8s.io/kubernetes/cmd/kubectl"
  [ "$kubernetes" = 1 ] && printf '%s\n' \
    "$k8s_dir/kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler" \
    "$k8s_dir/kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager"
  printf '%s\n' "$etcd_dir/etcd go.etcd.io/etcd/server/v3"
}

build_kubernetes() {
  local work staging_version gomod path pkg todo=() names=()
  while read -r path pkg; do
    if [ ! -x "$path" ]; then todo+=("$path $pkg"); names+=("$(basename "$path")"); fi
  done < <(k8s_binaries)
  log "building ${names[*]} (Kubernetes $K8S_VERSION, etcd $ETCD_VERSION), needed by the sandbox's control plane and the tests; once, cached in $CACHE"
  staging_version="v0.${K8S_VERSION#v1.}"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  log "downloading Go modules for Kubernetes $K8S_VERSION and etcd $ETCD_VERSION"
  gomod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$gomod" ] || { log "could not download the go.mod of k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
  (
    cd "$work"
    go mod init spot-guard.local/kube-build >/dev/null 2>&1
    # Every staging module the upstream go.mod points at a local path gets its published release.
    # A few releases are not served by the module proxy (k8s.io/endpointslice v0.32.13 answers
    # 403 "not available"): such a module gets the newest earlier patch release that is.
    grep -o '^\s*k8s.io/[a-z0-9-]* => ./staging' "$gomod" | awk '{print $1}' | while read -r m; do
      local v="$staging_version"
      until go mod download "$m@$v" >/dev/null 2>&1; do
        [ "${v##*.}" -gt 0 ] || { log "the module proxy serves no $m release for $staging_version or earlier"; exit 1; }
        v="${v%.*}.$((${v##*.} - 1))"
      done
      [ "$v" = "$staging_version" ] || log "using $m@$v: the module proxy does not serve $staging_version"
      go mod edit -replace "$m=$m@$v"
    done
    go mod edit -require "k8s.io/kubernetes@$K8S_VERSION" -require "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
    # -e: test-only dependencies of k8s.io/kubernetes (some are not served at this version)
    # are not needed for the binaries and must not stop the build.
    go mod tidy -e >/dev/null 2>&1
    local ldflags flags version="k8s.io/component-base/version" n=0
    ldflags="-s -w -X $version.gitVersion=$K8S_VERSION -X $version.gitMajor=1 -X $version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X $version.gitTreeState=clean -X $version.buildDate=1970-01-01T00:00:00Z"
    ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
    for entry in "${todo[@]}"; do
      read -r path pkg <<<"$entry"
      n=$((n + 1))
      log "building $(basename "$path") ($n/${#todo[@]})"
      # etcd has its own version variables; the Kubernetes ones would be unknown symbols there.
      flags="$ldflags"
      case "$pkg" in go.etcd.io/*) flags="-s -w" ;; esac
      mkdir -p "$(dirname "$path").tmp"
      quiet env CGO_ENABLED=0 go build -trimpath -ldflags "$flags" -o "$(dirname "$path").tmp/$(basename "$path")" "$pkg"
    done
  )
  # Each finished binary moves into place on its own: the ones already cached stay untouched.
  for entry in "${todo[@]}"; do
    read -r path pkg <<<"$entry"
    mkdir -p "$(dirname "$path")"
    mv "$(dirname "$path").tmp/$(basename "$path")" "$path"
    rmdir "$(dirname "$path").tmp" 2>/dev/null || true
  done
}

build_kwok() {
  log "building kwok $KWOK_VERSION, the kubelet stand-in for the sandbox's simulated nodes; once, cached in $CACHE"
  mkdir -p "$kwok_dir.tmp"
  log "downloading and building kwok (1/1)"
  quiet env CGO_ENABLED=0 GOBIN="$kwok_dir.tmp" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  rm -rf "$kwok_dir"
  mv "$kwok_dir.tmp" "$kwok_dir"
}

build_aemm() {
  log "building amazon-ec2-metadata-mock $AEMM_VERSION, needed by the sandbox's simulated nodes (their IMDS); once, cached in $CACHE"
  mkdir -p "$aemm_dir.tmp"
  log "downloading and building amazon-ec2-metadata-mock (1/1)"
  quiet env CGO_ENABLED=0 GOBIN="$aemm_dir.tmp" go install -trimpath -ldflags "-s -w" \
    "github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock@$AEMM_VERSION"
  rm -rf "$aemm_dir"
  mv "$aemm_dir.tmp" "$aemm_dir"
}

build_helm() {
  log "building helm $HELM_VERSION, needed by the chart tests; once, cached in $CACHE"
  mkdir -p "$helm_dir.tmp"
  log "downloading and building helm (1/1)"
  quiet env CGO_ENABLED=0 GOBIN="$helm_dir.tmp" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -rf "$helm_dir"
  mv "$helm_dir.tmp" "$helm_dir"
}

build_promtool() {
  log "building promtool (Prometheus module $PROMETHEUS_VERSION), needed by the alerting rules' tests; once, cached in $CACHE"
  mkdir -p "$promtool_dir.tmp"
  log "downloading and building promtool (1/1)"
  # promtool --version reports the release: module v0.316.0 is Prometheus 3.16.0.
  local n="${PROMETHEUS_VERSION#v0.}"
  quiet env CGO_ENABLED=0 GOBIN="$promtool_dir.tmp" go install -trimpath \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=${n:0:1}.${n:1}" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"
  rm -rf "$promtool_dir"
  mv "$promtool_dir.tmp" "$promtool_dir"
}

kubernetes=0 control_plane=0 kwok=0 aemm=0 helm=0 promtool=0
[ $# -gt 0 ] || set -- kubernetes kwok aemm helm promtool
for component in "$@"; do
  case "$component" in
    kubernetes) kubernetes=1 control_plane=1 ;;
    control-plane) control_plane=1 ;;
    kwok) kwok=1 ;;
    aemm) aemm=1 ;;
    helm) helm=1 ;;
    promtool) promtool=1 ;;
    *) log "unknown component '$component': expected kubernetes, control-plane, kwok, aemm, helm or promtool"; exit 2 ;;
  esac
done

find_missing() {
  missing=()
  if [ "$control_plane" = 1 ]; then
    local path pkg
    while read -r path pkg; do [ -x "$path" ] || { missing+=(kubernetes); break; }; done < <(k8s_binaries)
  fi
  if [ "$kwok" = 1 ] && [ ! -x "$kwok_dir/kwok" ]; then missing+=(kwok); fi
  if [ "$aemm" = 1 ] && [ ! -x "$aemm_dir/ec2-metadata-mock" ]; then missing+=(aemm); fi
  if [ "$helm" = 1 ] && [ ! -x "$helm_dir/helm" ]; then missing+=(helm); fi
  if [ "$promtool" = 1 ] && [ ! -x "$promtool_dir/promtool" ]; then missing+=(promtool); fi
}
find_missing
if [ ${#missing[@]} -gt 0 ]; then
  command -v go >/dev/null || { log "go is not on PATH; install Go 1.23 or newer (KWOK fetches Go 1.26 itself) to build ${missing[*]}"; exit 1; }
  mkdir -p "$CACHE"
  # Two builds at once (npm start beside npm test) would share the *.tmp directories.
  if command -v flock >/dev/null; then
    exec 9>"$CACHE/.build.lock"
    flock -n 9 || { log "waiting for another build in $CACHE to finish"; flock 9; find_missing; }
  fi
  for component in "${missing[@]}"; do "build_$component"; done
fi

if [ "$control_plane" = 1 ]; then k8s_binaries | awk '{print $1}'; fi
if [ "$kwok" = 1 ]; then printf '%s\n' "$kwok_dir/kwok"; fi
if [ "$aemm" = 1 ]; then printf '%s\n' "$aemm_dir/ec2-metadata-mock"; fi
if [ "$helm" = 1 ]; then printf '%s\n' "$helm_dir/helm"; fi
if [ "$promtool" = 1 ]; then printf '%s\n' "$promtool_dir/promtool"; fi
