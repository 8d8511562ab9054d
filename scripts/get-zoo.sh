#!/usr/bin/env bash
# The generator zoo: real HTML from the documentation generators people use, taken from Debian's
# packages (shipped HTML, or sources that ship in a package rendered with Debian's generator), one
# folder per generator. Prints one path per generator (the folder's name is the generator's).
#
#   scripts/get-zoo.sh                 every generator
#   scripts/get-zoo.sh asciidoc groff  only these
#
# Generators and what each folder holds:
#   sphinx       Python 3.11 docs (python3.11-doc), every page but the generated indexes
#   asciidoc     git's manual pages and guides as shipped (git-doc, AsciiDoc 10 xhtml11)
#   asciidoctor  the same git sources (the .txt files git-doc ships) rendered by asciidoctor -b html5
#   texinfo      bzip2's manual.texi (bzip2-doc) split by makeinfo --html, plus the one-page
#                manuals Debian ships: autoconf, bash, R (r-doc-html)
#   javadoc      java.util and java.util.concurrent of the JDK 17 API (openjdk-17-doc)
#   doxygen      SDL2's reference (libsdl2-doc)
#   mkdocs       MkDocs' own documentation (mkdocs-doc)
#   pandoc       the Node.js 18 API Markdown (nodejs-doc) through pandoc -s --toc
#   rustdoc      std::collections of the Rust 1.63 standard library (rust-doc), redirect stubs left out
#   mdbook       The Rust Programming Language book (rust-doc), print.html left out
#   man2html     Linux man-pages sections 5 and 7 (manpages) and git's man pages (git-man) through man2html
#   groff        the same man pages through groff -man -Thtml
#   docbook      the Debian Reference (debian-reference-en) and PostgreSQL 15's SQL command
#                reference (postgresql-doc-15), both docbook-xsl output
#
# Only when named (not a generator of its own, so not in the default list):
#   postgresql   the whole PostgreSQL 15 manual as shipped (postgresql-doc-15, docbook-xsl, 1,173
#                pages): the corpus of the held-out eval set test/fixtures/eval/postgresql-heldout.jsonl
#
# Only when named (more generators, kept out of the default run to keep it short; HTML as shipped
# unless said, relative paths kept so links between pages resolve):
#   gtkdoc         GTK-Doc 1.33: the GLib and GObject references (libglib2.0-doc), glib/ and gobject/, 157 pages
#   gidocgen       gi-docgen 2022.2: the Pango references (libpango1.0-doc), Pango/ and its backends'
#                  folders: every third page (C-sorted paths) and every Pango/ page but the members'
#                  (const, ctor, func, method, type_func, vfunc), 309 pages
#   haddock        Haddock 2.25: base-4.15.1.0's module pages (ghc-doc), the hyperlinked source (src/) left out, 263
#   qdoc           QDoc (Qt 5.15): qtcore/ (qtbase5-doc-html), every third page (C-sorted), 228
#   sphinx-django  Sphinx, djangodocs theme: the Django 3.2 docs (python-django-doc), every page but
#                  releases/, _modules/ and the generated indexes, 260
#   sphinx-cmake   Sphinx, cmake theme: the CMake 3.25 docs (cmake-doc), every seventh page (C-sorted,
#                  genindex and search left out), 277
#   erlang         erl_docgen (OTP 25): the stdlib and kernel applications (erlang-doc),
#                  lib/<app>-<version>/doc/html/, 126
#   odoc           odoc 2.1: the calendar library (libcalendar-ocaml-doc), 84
#   yard           YARD 0.9.28: YARD's own docs (yard-doc), 276
#   pod2html       Pod::Html of the installed perl: every second perl*.pod of perl-doc (C-sorted) through
#                  pod2html --podroot=.. --podpath=pod --htmlroot=.., into pod/ (links are ../pod/*.html), 103
#
# Needs apt-get (packages are only downloaded and unpacked, not installed) and, to render, the
# generators: apt-get install asciidoctor pandoc texinfo man2html-base groff (pod2html comes with
# perl; perl-doc must be the installed perl's version). Idempotent: a
# finished folder is marked with .complete and not built again. Cache:
# ${DOCGRAPH_CORPORA:-$XDG_CACHE_HOME/docgraph-corpora}/zoo.
set -euo pipefail

ALL=(sphinx asciidoc asciidoctor texinfo javadoc doxygen mkdocs pandoc rustdoc mdbook man2html groff docbook)
EXTRA=(postgresql gtkdoc gidocgen haddock qdoc sphinx-django sphinx-cmake erlang odoc yard pod2html)
cache=${DOCGRAPH_CORPORA:-${XDG_CACHE_HOME:-$HOME/.cache}/docgraph-corpora}/zoo
mkdir -p "$cache/.pkg"

# unpack PACKAGE: prints the folder the package is unpacked into (kept in the cache, shared by generators).
unpack() {
  local pkg=$1 dir=$cache/.pkg/$1
  if [[ ! -f $dir/.complete ]]; then
    local work; work=$(mktemp -d)
    (cd "$work" && { apt-get download "$pkg" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get download "$pkg" >/dev/null; }; })
    rm -rf "$dir"; dpkg -x "$work"/"$pkg"_*.deb "$dir"; rm -rf "$work"
    touch "$dir/.complete"
  fi
  echo "$dir"
}

need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "get-zoo: $tool is missing (apt-get install asciidoctor pandoc texinfo man2html-base groff; pod2html comes with perl)" >&2; exit 2; }
  done
  # groff-base has the groff command but not its html device
  [[ $* != *groff* ]] || groff -Thtml </dev/null >/dev/null 2>&1 || { echo "get-zoo: groff cannot write HTML (apt-get install groff)" >&2; exit 2; }
}

# copy SRC_DIR OUT_DIR < relative paths: copies each listed file, keeping subfolders.
copy() {
  local src=$1 out=$2 f
  while read -r f; do mkdir -p "$out/$(dirname "$f")"; cp "$src/$f" "$out/$f"; done
}

# The man pages both man page generators render: sections 5 and 7 of man-pages, and git's section 1.
man_sources() {
  local mp gm; mp=$(unpack manpages); gm=$(unpack git-man)
  ls "$mp"/usr/share/man/man5/*.5.gz "$mp"/usr/share/man/man7/*.7.gz | head -n 60
  ls "$gm"/usr/share/man/man1/git-*.1.gz | head -n 60
}

build() {
  local name=$1 out=$2 p
  case $name in
    sphinx)
      p=$(unpack python3.11-doc)/usr/share/doc/python3.11/html
      (cd "$p" && find . \( -name '_*' -prune \) -o -type f -name '*.html' -print | sed 's|^\./||' |
        grep -Ev '^(genindex[^/]*|py-modindex|search)\.html$' | copy "$p" "$out") ;;
    asciidoc)
      p=$(unpack git-doc)/usr/share/doc/git-doc
      (cd "$p" && ls ./*.html | sed 's|^\./||' | copy "$p" "$out") ;;
    asciidoctor)
      need asciidoctor
      p=$(unpack git-doc)/usr/share/doc/git-doc
      # the documents are the .txt files git-doc also ships as .html; the others are includes
      local docs=() f
      for f in "$p"/*.txt; do [[ -f ${f%.txt}.html ]] && docs+=("$f"); done
      asciidoctor -b html5 -a attribute-missing=skip -D "$out" "${docs[@]}" 2>/dev/null ;;
    texinfo)
      need makeinfo
      p=$(unpack bzip2-doc)/usr/share/doc/bzip2
      gunzip -c "$p/manual.texi.gz" >"$out/.bzip2.texi"
      makeinfo --html -o "$out/bzip2" "$out/.bzip2.texi" 2>/dev/null; rm "$out/.bzip2.texi"
      cp "$(unpack autoconf-doc)"/usr/share/doc/autoconf/autoconf.html "$out/"
      cp "$(unpack bash-doc)"/usr/share/doc/bash/bashref.html "$out/"
      mkdir -p "$out/R"; cp "$(unpack r-doc-html)"/usr/share/R/doc/manual/*.html "$out/R/" ;;
    javadoc)
      p=$(unpack openjdk-17-doc)/usr/share/doc/openjdk-17-doc/api/java.base
      (cd "$p" && ls java/util/*.html java/util/concurrent/*.html | copy "$p" "$out") ;;
    doxygen)
      p=$(unpack libsdl2-doc)/usr/share/doc/libsdl2-doc/html
      (cd "$p" && find . -name '*.html' ! -path './search/*' | sed 's|^\./||' | copy "$p" "$out") ;;
    mkdocs)
      p=$(unpack mkdocs-doc)/usr/share/doc/mkdocs/html
      (cd "$p" && find . -name '*.html' ! -name 404.html ! -path './search/*' | sed 's|^\./||' | copy "$p" "$out") ;;
    pandoc)
      need pandoc
      p=$(unpack nodejs-doc)/usr/share/doc/nodejs/api
      local f b
      for f in "$p"/*.md.gz; do
        b=$(basename "$f" .md.gz); [[ $b == all ]] && continue
        gunzip -c "$f" | pandoc -s --toc -f gfm -t html5 --metadata pagetitle="$b" -o "$out/$b.html"
      done ;;
    rustdoc)
      p=$(unpack rust-doc)/usr/share/doc/rust-doc/html
      (cd "$p" && find std/collections -name '*.html' | xargs grep -L 'http-equiv="refresh"' | copy "$p" "$out") ;;
    mdbook)
      p=$(unpack rust-doc)/usr/share/doc/rust-doc/html/book
      (cd "$p" && ls ./*.html | sed 's|^\./||' | grep -Ev '^(print|404|toc)\.html$' | copy "$p" "$out") ;;
    man2html)
      need man2html
      local f
      for f in $(man_sources); do gunzip -c "$f" | man2html -r >"$out/$(basename "$f" .gz).html" 2>/dev/null || true; done ;;
    groff)
      need groff
      local f
      for f in $(man_sources); do gunzip -c "$f" | groff -man -Thtml -P -D"$out/.img" >"$out/$(basename "$f" .gz).html" 2>/dev/null || true; done
      rm -rf "$out/.img" ;;
    docbook)
      p=$(unpack debian-reference-en)/usr/share/debian-reference
      mkdir -p "$out/debian-reference"; cp "$p"/*.en.html "$out/debian-reference/"
      p=$(unpack postgresql-doc-15)/usr/share/doc/postgresql-doc-15/html
      mkdir -p "$out/postgresql"; cp "$p"/sql-*.html "$out/postgresql/" ;;
    postgresql)
      p=$(unpack postgresql-doc-15)/usr/share/doc/postgresql-doc-15/html
      (cd "$p" && ls ./*.html | sed 's|^\./||' | copy "$p" "$out") ;;
    gtkdoc)
      p=$(unpack libglib2.0-doc)/usr/share/gtk-doc/html
      (cd "$p" && find glib gobject -name '*.html' | copy "$p" "$out") ;;
    gidocgen)
      p=$(unpack libpango1.0-doc)/usr/share/doc/libpango1.0-doc/reference
      (cd "$p" && find . -name '*.html' | sed 's|^\./||' | LC_ALL=C sort |
        awk 'NR % 3 == 1 || (/^Pango\// && !/^Pango\/(const|ctor|func|method|type_func|vfunc)\./)' | copy "$p" "$out") ;;
    haddock)
      p=$(unpack ghc-doc)/usr/share/doc/ghc-doc/html/libraries
      (cd "$p" && ls base-*/*.html | copy "$p" "$out") ;;
    qdoc)
      p=$(unpack qtbase5-doc-html)/usr/share/qt5/doc
      (cd "$p" && ls qtcore/*.html | LC_ALL=C sort | awk 'NR % 3 == 1' | copy "$p" "$out") ;;
    sphinx-django)
      p=$(unpack python-django-doc)/usr/share/doc/python-django-doc/html
      (cd "$p" && find . \( -name '_*' -o -path ./releases \) -prune -o -name '*.html' -print | sed 's|^\./||' |
        grep -Ev '^(genindex|py-modindex|search)\.html$' | copy "$p" "$out") ;;
    sphinx-cmake)
      p=$(unpack cmake-doc)/usr/share/doc/cmake-data/html
      (cd "$p" && find . -name '*.html' | sed 's|^\./||' | grep -Ev '^(genindex|search)\.html$' | LC_ALL=C sort |
        awk 'NR % 7 == 1' | copy "$p" "$out") ;;
    erlang)
      p=$(unpack erlang-doc)/usr/share/doc/erlang-doc
      (cd "$p" && find lib/kernel-* lib/stdlib-* -name '*.html' | copy "$p" "$out") ;;
    odoc)
      p=$(unpack libcalendar-ocaml-doc)/usr/share/doc/libcalendar-ocaml/_html
      (cd "$p" && find . -name '*.html' | sed 's|^\./||' | copy "$p" "$out") ;;
    yard)
      # file.README.html is a link to index.html: copied as a page of its own, as a web server shows it
      p=$(unpack yard-doc)/usr/share/doc/yard/doc
      (cd "$p" && find . -name '*.html' | sed 's|^\./||' | copy "$p" "$out") ;;
    pod2html)
      need pod2html
      local pods tmp f
      pods=("$(unpack perl-doc)"/usr/share/perl/*/pod); tmp=$(mktemp -d); mkdir -p "$out/pod"
      # run from the pod folder: --podroot=.. --podpath=pod finds the other pages, --htmlroot=.. links them as ../pod/NAME.html
      (cd "${pods[0]}" && ls perl*.pod | LC_ALL=C sort | awk 'NR % 2 == 1' | while read -r f; do
        pod2html --podroot=.. --podpath=pod --htmlroot=.. --cachedir="$tmp" --quiet --infile="$f" --outfile="$out/pod/${f%.pod}.html" 2>/dev/null
      done)
      rm -rf "$tmp" ;;
  esac
}

names=("$@")
((${#names[@]} > 0)) || names=("${ALL[@]}")
for name in "${names[@]}"; do
  [[ " ${ALL[*]} ${EXTRA[*]} " == *" $name "* ]] || { echo "get-zoo: unknown generator $name (${ALL[*]} ${EXTRA[*]})" >&2; exit 2; }
done
for name in "${names[@]}"; do
  out=$cache/$name
  if [[ ! -f $out/.complete ]]; then
    rm -rf "$out"; mkdir -p "$out"
    build "$name" "$out"
    touch "$out/.complete"
  fi
  echo "$out"
done
