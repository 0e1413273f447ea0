#!/usr/bin/env bash
# Fetch restic 0.18 (Debian 13 "trixie" package, a static binary) without touching the machine's apt
# sources: a private apt configuration lists trixie main from the same mirror as the existing sources.
# Installs the binary to .cache/restic/restic (inside the repository, git-ignored). Idempotent.
# restic is only the oracle for retention tests and a comparison point for benchmarks.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/restic"
if [ -x "$dest/restic" ] && "$dest/restic" version 2>/dev/null | grep -q 'restic 0\.18'; then
  echo "restic already present: $("$dest/restic" version)"; exit 0
fi
mirror=$(grep -hoE '^(URIs:|deb) *[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
  | grep -E 'debian(/)?$' | grep -v security | head -n1 | awk '{print $2}' || true)
mirror=${mirror:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/parts" "$tmp/archives/partial"
echo "deb [signed-by=$keyring] $mirror trixie main" > "$tmp/sources.list"
opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=$tmp/parts"
      -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives" -o "APT::Get::List-Cleanup=0"
      -o "Debug::NoLocking=1")
apt-get "${opts[@]}" update -qq
(cd "$tmp" && apt-get "${opts[@]}" download restic >/dev/null)
deb=$(ls "$tmp"/restic_*.deb | head -n1)
dpkg -x "$deb" "$tmp/x"
mkdir -p "$dest"
install -m 755 "$tmp/x/usr/bin/restic" "$dest/restic"
"$dest/restic" version
