#!/usr/bin/env bash
# Install and package, from an existing build directory (nothing is rebuilt):
# `cmake --install` into a temporary prefix, then the installed binary, man page and
# file list; then `cpack -G DEB`, the package's control fields (Depends against the
# binary's own NEEDED libraries) and contents, unpacked with dpkg -x and run.
#   install_test.sh BUILD_DIR BINARY CMAKE CPACK
set -uo pipefail
build=$(realpath "$1")
built_bin=$(realpath "$2")
cmake_cmd=${3:-cmake}
cpack_cmd=${4:-cpack}
failures=0
source "$(dirname "$0")/help_options.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version_line=$("$built_bin" --version)
version=${version_line#pricescrape }
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || fail "--version printed '$version_line'"

# The files every install has, relative to the prefix.
expected_files=(
  bin/pricescrape
  share/man/man1/pricescrape.1
  share/bash-completion/completions/pricescrape
  share/zsh/vendor-completions/_pricescrape
  share/fish/vendor_completions.d/pricescrape.fish
  share/doc/pricescrape/README.md
  share/doc/pricescrape/LICENSE
  share/doc/pricescrape/copyright
  share/doc/pricescrape/examples/urls.txt
  share/doc/pricescrape/examples/shop/products/widget.html
  share/doc/pricescrape/examples/nightly/crontab
)

check_tree() {  # ROOT (a prefix): the expected files, and no other program
  local root=$1 f
  for f in "${expected_files[@]}"; do
    [[ -f $root/$f ]] || fail "$root: $f not installed"
  done
  [[ -x $root/bin/pricescrape ]] || fail "$root/bin/pricescrape is not executable"
  [[ $(ls "$root/bin") == pricescrape ]] || fail "$root/bin holds more than pricescrape: $(ls "$root/bin")"
  [[ $(ls "$root") == $'bin\nshare' ]] || fail "$root holds more than bin/ and share/: $(ls "$root")"
}

check_runs() {  # ROOT: the installed binary answers and extracts a page shipped with it
  local root=$1 out
  out=$("$root/bin/pricescrape" --version) || fail "$root: --version failed"
  [[ $out == "$version_line" ]] || fail "$root: --version printed '$out', not '$version_line'"
  out=$("$root/bin/pricescrape" --help) || fail "$root: --help failed"
  [[ $out == *"Usage:"* ]] || fail "$root: --help has no Usage line"
  out=$("$root/bin/pricescrape" extract -f jsonl \
    "$root/share/doc/pricescrape/examples/shop/products/widget.html") || fail "$root: extract failed"
  [[ $out == *'"ok": true'*'"price": "19.99"'*'"currency": "USD"'* ]] ||
    fail "$root: extract of the example widget page printed: $out"
}

# --- cmake --install ---------------------------------------------------------------------
prefix=$tmp/prefix
"$cmake_cmd" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
  fail "cmake --install: $(cat "$tmp/install.log")"
check_tree "$prefix"
check_runs "$prefix"
echo "cmake --install: ${#expected_files[@]} files in place, installed binary runs"

# --- The man page: its sections, and every option of every --help ------------------------
man_page=$prefix/share/man/man1/pricescrape.1
grep -q '^\.TH PRICESCRAPE "1"' "$man_page" || fail "man page has no .TH PRICESCRAPE 1 header"
for section in NAME SYNOPSIS DESCRIPTION OPTIONS '"EXIT STATUS"' ENVIRONMENT FILES EXAMPLES; do
  grep -q "^\.SH $section\$" "$man_page" || fail "man page has no $section section"
done
if command -v groff >/dev/null; then
  # UTF-8 (the € of parse-price), no hyphenation, long lines: option names come out whole. -ww: every warning.
  groff -Kutf-8 -man -Tutf8 -P-cbou -rHY=0 -rLL=200n -ww "$man_page" >"$tmp/man.txt" 2>"$tmp/groff.err" ||
    fail "groff failed on the man page"
  [[ ! -s $tmp/groff.err ]] || fail "groff warns about the man page: $(head -5 "$tmp/groff.err")"
  rendered=$tmp/man.txt
  echo "man page rendered with groff"
else
  sed 's/\\-/-/g; s/\\f[BIRP]//g' "$man_page" >"$tmp/man.txt"
  rendered=$tmp/man.txt
  echo "SKIP: groff not installed, man page checked as source"
fi
check_subcommands_found "$(help_subcommands "$built_bin")"
checked=0
for sub in "" $(help_subcommands "$built_bin"); do
  for option in $(help_long_options "$built_bin" $sub); do
    grep -qE -- "(^|[^-A-Za-z0-9])${option}([^-A-Za-z0-9]|\$)" "$rendered" ||
      fail "man page lacks ${option} (from pricescrape ${sub:+$sub }--help)"
    checked=$((checked + 1))
  done
  [[ -z $sub ]] || grep -q "^ *Command $sub:" "$rendered" || fail "man page lacks a section for $sub"
done
((checked >= 20)) || fail "only $checked options checked in the man page"
echo "man page: $checked options of --help present"

# --- cpack -G DEB, then dpkg-deb -I / -c and dpkg -x ---------------------------------------
if ! command -v dpkg-deb >/dev/null; then
  echo "SKIP: dpkg-deb not installed, no .deb checks" >&2
else
  arch=$(dpkg --print-architecture)
  deb=$tmp/pkg/pricescrape_${version}_${arch}.deb
  "$cpack_cmd" -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1 ||
    fail "cpack -G DEB: $(tail -20 "$tmp/cpack.log")"
  [[ -f $deb ]] || fail "no $(basename "$deb"); cpack made: $(ls "$tmp/pkg")"

  field() { dpkg-deb -f "$deb" "$1"; }
  [[ $(field Package) == pricescrape ]] || fail "Package: $(field Package)"
  [[ $(field Version) == "$version" ]] || fail "Version: $(field Version), not $version"
  [[ $(field Architecture) == "$arch" ]] || fail "Architecture: $(field Architecture)"
  [[ $(field Section) == web ]] || fail "Section: $(field Section)"
  [[ $(field Maintainer) =~ ^.+\ \<.+@.+\>$ ]] || fail "Maintainer: '$(field Maintainer)'"
  # A summary line, then the extended description (CPack adds the summary itself).
  [[ $(field Description | sed -n 2p) == " pricescrape reads"* ]] ||
    fail "Description: $(field Description)"
  [[ $(field Recommends) == *ca-certificates* ]] || fail "Recommends: $(field Recommends)"
  # Depends names the package of each library the binary needs, as dpkg knows them (or a
  # name that package provides: libspdlog1.10 provides libspdlog1.10-fmt9).
  depends=$(field Depends)
  depend_names=$(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*//; s/ //g')
  multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
  needed=$(objdump -p "$built_bin" | awk '$1 == "NEEDED" { print $2 }')
  [[ -n $needed ]] || fail "objdump found no NEEDED libraries in $built_bin"
  for lib in $needed; do
    owner=$(dpkg -S "*/$multiarch/$lib" 2>/dev/null | head -1 | cut -d: -f1)
    [[ -n $owner ]] || { fail "no Debian package owns $lib"; continue; }
    provides=$(dpkg-query -W -f='${Provides}' "$owner" | tr ',' '\n' | sed 's/(.*//; s/ //g')
    grep -qxF -f <(printf '%s\n' "$owner" $provides) <<<"$depend_names" ||
      fail "Depends lacks $owner (for $lib): $depends"
  done
  echo "Depends: $depends"

  dpkg-deb -c "$deb" | awk '{ print $NF }' >"$tmp/contents"
  for f in "${expected_files[@]}"; do
    grep -qx "\./usr/$f" "$tmp/contents" || fail ".deb lacks /usr/$f"
  done
  root=$tmp/root
  dpkg -x "$deb" "$root" || fail "dpkg -x failed"
  check_tree "$root/usr"
  check_runs "$root/usr"
  grep -q '^License: MIT$' "$root/usr/share/doc/pricescrape/copyright" ||
    fail "copyright has no License: MIT"
  echo ".deb: $(basename "$deb"), $(wc -l <"$tmp/contents") entries, unpacked binary runs"
fi

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "install: all checks passed"
