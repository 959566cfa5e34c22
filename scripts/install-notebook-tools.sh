#!/usr/bin/env bash
# install-notebook-tools.sh installs what is needed to run this repo's Go notebooks
# headless or interactively: Jupyter (Debian packages), GoNB, goimports and gopls at
# pinned versions, and registers the GoNB kernel with Jupyter (`gonb --install`).
#
# Idempotent: packages and binaries already present at the right version are skipped.
# Go tools are installed from a throw-away scratch module because the module proxy
# used in CI refuses bare `go install pkg@version` for some of them.
#
# Env overrides: GONB_VERSION, X_TOOLS_VERSION, GOPLS_VERSION, SKIP_APT=1.
set -euo pipefail

GONB_VERSION="${GONB_VERSION:-v0.11.1}"
X_TOOLS_VERSION="${X_TOOLS_VERSION:-v0.36.0}"
GOPLS_VERSION="${GOPLS_VERSION:-v0.20.0}"
APT_PACKAGES=(jupyter-nbconvert python3-ipykernel jupyter-notebook jupyter-client)

log() { echo "[install-notebook-tools] $*"; }

GOBIN_DIR="$(go env GOBIN)"
[[ -n "$GOBIN_DIR" ]] || GOBIN_DIR="$(go env GOPATH)/bin"
case ":$PATH:" in
*":$GOBIN_DIR:"*) ;;
*) export PATH="$GOBIN_DIR:$PATH" ;;
esac

# --- Debian packages -------------------------------------------------------
install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]} == 0)); then
    log "apt packages already installed: ${APT_PACKAGES[*]}"
    return
  fi
  if [[ "${SKIP_APT:-0}" == 1 ]]; then
    log "SKIP_APT=1 but missing packages: ${missing[*]}" >&2
    return 1
  fi
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then sudo=(sudo); fi
  log "installing apt packages: ${missing[*]}"
  local aptlog
  aptlog="$(mktemp)"
  if ! { "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=900 update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
      install -y -qq --no-install-recommends "${missing[@]}"; } >"$aptlog" 2>&1; then
    cat "$aptlog" >&2
    rm -f "$aptlog"
    log "apt-get failed" >&2
    return 1
  fi
  rm -f "$aptlog"
}

# --- Go tools ----------------------------------------------------------------
# has_version BIN MODULE VERSION: true if BIN on PATH was built with MODULE@VERSION.
has_version() {
  local bin
  bin="$(command -v "$1" 2>/dev/null)" || return 1
  go version -m "$bin" 2>/dev/null | grep -Eq "^[[:space:]]+(mod|dep)[[:space:]]+$2[[:space:]]+$3([[:space:]]|$)"
}

# install_tool BIN MODULE VERSION PACKAGE: go get + go install inside a scratch module.
install_tool() {
  local bin="$1" module="$2" version="$3" pkg="$4"
  if has_version "$bin" "$module" "$version"; then
    log "$bin already at $module@$version"
    return
  fi
  local tmp
  tmp="$(mktemp -d)"
  log "installing $bin from $module@$version (scratch module $tmp)"
  (
    cd "$tmp"
    go mod init scratch/tools >/dev/null 2>&1
    go get "$module@$version"
    GOFLAGS="${GOFLAGS:-} -mod=mod" go install "$pkg"
  ) || { rm -rf "$tmp"; log "failed to install $pkg@$version" >&2; return 1; }
  rm -rf "$tmp"
  has_version "$bin" "$module" "$version" || { log "$bin not found on PATH after install" >&2; return 1; }
}

install_apt
install_tool gonb github.com/janpfeifer/gonb "$GONB_VERSION" github.com/janpfeifer/gonb
install_tool goimports golang.org/x/tools "$X_TOOLS_VERSION" golang.org/x/tools/cmd/goimports
install_tool gopls golang.org/x/tools/gopls "$GOPLS_VERSION" golang.org/x/tools/gopls

# --- Register the kernel ---------------------------------------------------------
log "registering GoNB kernel (gonb --install)"
gonb --install --logtostderr 2>&1 | sed 's/^/  /'
# Capture the list first: under pipefail, `jupyter ... | grep -q` fails whenever grep exits
# before jupyter has written everything (jupyter then dies of SIGPIPE).
specs="$(jupyter kernelspec list 2>/dev/null || true)"
if grep -q '^ *gonb ' <<<"$specs"; then
  log "kernelspec gonb registered"
else
  log "kernelspec gonb NOT found by 'jupyter kernelspec list'" >&2
  exit 1
fi
log "done: gonb $(gonb -V 2>&1 | head -1), $(gopls version 2>/dev/null | head -1), goimports from x/tools $X_TOOLS_VERSION"
