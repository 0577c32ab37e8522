#!/usr/bin/env bash
# Builds the real servers the sandbox and the tests run against, through the Go module proxy,
# once. Binaries are cached by version under $SPOT_GUARD_CACHE (default:
# ~/.cache/spot-guard); a binary already in the cache is never rebuilt.
#
#   build-binaries.sh [kubernetes] [aemm] [helm]     (no argument: all three)
#
#   kubernetes  kube-apiserver, kubectl (k8s.io/kubernetes: a wrapper module pins each staging
#               module to its published version, since the upstream go.mod replaces them
#               with local paths and cannot be installed as is) and etcd
#               (go.etcd.io/etcd/server/v3, built in the same wrapper)
#   aemm        amazon-ec2-metadata-mock (go install)
#   helm        helm.sh/helm/v3 (go install), for the chart's tests
#
# stdout: the absolute path of every binary of the components asked for, one a line, in the
# order kube-apiserver, kubectl, etcd, ec2-metadata-mock, helm; each path ends in that name.
# stderr: one line per step for people ("build-binaries: building kube-apiserver (1/3)"),
# nothing when everything is cached; the Go tool's own output only when a step fails.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.32.13}"
ETCD_VERSION="${ETCD_VERSION:-v3.5.16}"
AEMM_VERSION="${AEMM_VERSION:-v1.13.0}"
HELM_VERSION="${HELM_VERSION:-v3.19.0}"
CACHE="${SPOT_GUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spot-guard}"

log() { printf 'build-binaries: %s\n' "$*" >&2; }

k8s_dir="$CACHE/kubernetes-$K8S_VERSION"
etcd_dir="$CACHE/etcd-$ETCD_VERSION"
aemm_dir="$CACHE/aemm-$AEMM_VERSION"
helm_dir="$CACHE/helm-$HELM_VERSION"

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

build_kubernetes() {
  local work staging_version gomod
  log "building kube-apiserver, kubectl ($K8S_VERSION) and etcd ($ETCD_VERSION), needed by the sandbox's control plane and the tests; once, cached in $CACHE"
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
    grep -o '^\s*k8s.io/[a-z0-9-]* => ./staging' "$gomod" | awk '{print $1}' | while read -r m; do
      go mod edit -replace "$m=$m@$staging_version"
    done
    go mod edit -require "k8s.io/kubernetes@$K8S_VERSION" -require "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
    # -e: test-only dependencies of k8s.io/kubernetes (some are not served at this version)
    # are not needed for the binaries and must not stop the build.
    go mod tidy -e >/dev/null 2>&1
    local ldflags pkg="k8s.io/component-base/version"
    ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
    ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
    mkdir -p "$k8s_dir.tmp" "$etcd_dir.tmp"
    log "building kube-apiserver (1/3)"
    quiet env CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$k8s_dir.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
    log "building kubectl (2/3)"
    quiet env CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$k8s_dir.tmp/kubectl" k8s.io/kubernetes/cmd/kubectl
    log "building etcd (3/3)"
    quiet env CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$etcd_dir.tmp/etcd" go.etcd.io/etcd/server/v3
  )
  rm -rf "$k8s_dir" "$etcd_dir"
  mv "$k8s_dir.tmp" "$k8s_dir"
  mv "$etcd_dir.tmp" "$etcd_dir"
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

kubernetes=0 aemm=0 helm=0
[ $# -gt 0 ] || set -- kubernetes aemm helm
for component in "$@"; do
  case "$component" in
    kubernetes) kubernetes=1 ;;
    aemm) aemm=1 ;;
    helm) helm=1 ;;
    *) log "unknown component '$component': expected kubernetes, aemm or helm"; exit 2 ;;
  esac
done

find_missing() {
  missing=()
  if [ "$kubernetes" = 1 ] && { [ ! -x "$k8s_dir/kube-apiserver" ] || [ ! -x "$k8s_dir/kubectl" ] || [ ! -x "$etcd_dir/etcd" ]; }; then missing+=(kubernetes); fi
  if [ "$aemm" = 1 ] && [ ! -x "$aemm_dir/ec2-metadata-mock" ]; then missing+=(aemm); fi
  if [ "$helm" = 1 ] && [ ! -x "$helm_dir/helm" ]; then missing+=(helm); fi
}
find_missing
if [ ${#missing[@]} -gt 0 ]; then
  command -v go >/dev/null || { log "go is not on PATH; install Go 1.23 or newer to build ${missing[*]}"; exit 1; }
  mkdir -p "$CACHE"
  # Two builds at once (npm start beside npm test) would share the *.tmp directories.
  if command -v flock >/dev/null; then
    exec 9>"$CACHE/.build.lock"
    flock -n 9 || { log "waiting for another build in $CACHE to finish"; flock 9; find_missing; }
  fi
  for component in "${missing[@]}"; do "build_$component"; done
fi

if [ "$kubernetes" = 1 ]; then printf '%s\n' "$k8s_dir/kube-apiserver" "$k8s_dir/kubectl" "$etcd_dir/etcd"; fi
if [ "$aemm" = 1 ]; then printf '%s\n' "$aemm_dir/ec2-metadata-mock"; fi
if [ "$helm" = 1 ]; then printf '%s\n' "$helm_dir/helm"; fi
