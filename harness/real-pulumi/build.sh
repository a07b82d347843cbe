#!/usr/bin/env bash
# Builds the real Pulumi CLI and its YAML language host from the Go module proxy (pinned versions), for the
# tests that run under the real engine. Everything (GOPATH, GOCACHE, the binaries) is cached under
# .cache/real-pulumi, which git ignores: the first run takes about 7 minutes on 2 cores, a second one seconds.
# Prints the directory holding `pulumi` and `pulumi-language-yaml`.
set -euo pipefail
PULUMI_VERSION="v3.276.0"
YAML_VERSION="v1.25.0"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="$root/.cache/real-pulumi"
bin="$cache/bin-$PULUMI_VERSION-yaml-$YAML_VERSION"
export GOPATH="$cache/gopath" GOCACHE="$cache/gocache" GOFLAGS="-modcacherw" GOTOOLCHAIN="local"
mkdir -p "$bin"
if [ ! -x "$bin/pulumi" ]; then
  work="$cache/clibuild"
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  go mod init clibuild > /dev/null 2>&1
  go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" > /dev/null 2>&1
  go build -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$bin/pulumi.partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv "$bin/pulumi.partial" "$bin/pulumi"
fi
if [ ! -x "$bin/pulumi-language-yaml" ]; then
  GOBIN="$bin" go install "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$YAML_VERSION" > /dev/null 2>&1
fi
echo "$bin"
