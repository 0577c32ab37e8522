#!/usr/bin/env bash
# Builds the real servers the tests run against, through the Go module proxy, once.
# Binaries are cached by version under $SPOT_GUARD_CACHE (default: ~/.cache/spot-guard);
# a binary already in the cache is never rebuilt.
#
#   kube-apiserver, kubectl  k8s.io/kubernetes (a wrapper module pins each staging
#                            module to its published version, since the upstream go.mod
#                            replaces them with local paths and cannot be installed as is)
#   etcd                     go.etcd.io/etcd/server/v3, built in the same wrapper
#   ec2-metadata-mock        github.com/aws/amazon-ec2-metadata-mock (go install)
#   helm                     helm.sh/helm/v3 (go install), for the chart's tests
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.32.13}"
ETCD_VERSION="${ETCD_VERSION:-v3.5.16}"
AEMM_VERSION="${AEMM_VERSION:-v1.13.0}"
HELM_VERSION="${HELM_VERSION:-v3.19.0}"
CACHE="${SPOT_GUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spot-guard}"

log() { printf 'build-binaries: %s\n' "$*" >&2; }

command -v go >/dev/null || { log "go is not on PATH; install Go to build the test servers"; exit 1; }

k8s_dir="$CACHE/kubernetes-$K8S_VERSION"
etcd_dir="$CACHE/etcd-$ETCD_VERSION"
aemm_dir="$CACHE/aemm-$AEMM_VERSION"
helm_dir="$CACHE/helm-$HELM_VERSION"

build_kubernetes() {
  local work staging_version gomod
  staging_version="v0.${K8S_VERSION#v1.}"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
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
    local commit ldflags pkg="k8s.io/component-base/version"
    commit="$(go list -m -json "k8s.io/kubernetes" | sed -n 's/.*"Version": "v[^-]*-[^-]*-\([0-9a-f]*\)".*/\1/p')"
    ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
    ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
    mkdir -p "$k8s_dir.tmp" "$etcd_dir.tmp"
    log "building kube-apiserver and kubectl $K8S_VERSION (takes several minutes the first time)"
    CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$k8s_dir.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
    CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$k8s_dir.tmp/kubectl" k8s.io/kubernetes/cmd/kubectl
    log "building etcd $ETCD_VERSION"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$etcd_dir.tmp/etcd" go.etcd.io/etcd/server/v3
  )
  rm -rf "$k8s_dir" "$etcd_dir"
  mv "$k8s_dir.tmp" "$k8s_dir"
  mv "$etcd_dir.tmp" "$etcd_dir"
}

build_aemm() {
  mkdir -p "$aemm_dir.tmp"
  log "installing amazon-ec2-metadata-mock $AEMM_VERSION"
  CGO_ENABLED=0 GOBIN="$aemm_dir.tmp" go install -trimpath -ldflags "-s -w" \
    "github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock@$AEMM_VERSION"
  rm -rf "$aemm_dir"
  mv "$aemm_dir.tmp" "$aemm_dir"
}

build_helm() {
  mkdir -p "$helm_dir.tmp"
  log "installing helm $HELM_VERSION"
  CGO_ENABLED=0 GOBIN="$helm_dir.tmp" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -rf "$helm_dir"
  mv "$helm_dir.tmp" "$helm_dir"
}

mkdir -p "$CACHE"
if [ ! -x "$k8s_dir/kube-apiserver" ] || [ ! -x "$k8s_dir/kubectl" ] || [ ! -x "$etcd_dir/etcd" ]; then build_kubernetes; fi
if [ ! -x "$aemm_dir/ec2-metadata-mock" ]; then build_aemm; fi
if [ ! -x "$helm_dir/helm" ]; then build_helm; fi
printf '%s\n' "$k8s_dir/kube-apiserver" "$k8s_dir/kubectl" "$etcd_dir/etcd" "$aemm_dir/ec2-metadata-mock" "$helm_dir/helm"
