# Top-level wrapper around meson/ninja. See README.md.
#   make         release build in build/
#   make test    install missing packages, ASan+UBSan build in build-test/, run every suite
#   make bench   benchmarks (bench/README.md)
#   make fuzz    libFuzzer targets with clang in build-fuzz/
#   make format  reformat the sources with clang-format
PY := /usr/bin/python3

.PHONY: all deps test bench fuzz format check-format demo clean

all: deps
	@test -f build/build.ninja || meson setup build --buildtype=release -Dtests=false
	ninja -C build

deps:
	@scripts/install-deps

build-test/build.ninja:
	meson setup build-test -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized

test: deps build-test/build.ninja
	ninja -C build-test
	@test -f build/build.ninja || meson setup build --buildtype=release -Dtests=false
	ninja -C build  # the release build (-O3) warns about things -O2 does not
	$(PY) scripts/run-tests build-test

bench: all
	bench/run-all build

fuzz: deps
	@test -f build-fuzz/build.ninja || CC=clang meson setup build-fuzz -Dlibfuzzer=true
	ninja -C build-fuzz

SOURCES = $$(git ls-files --cached --others --exclude-standard '*.c' '*.h')

format:
	clang-format -i $(SOURCES)

check-format:
	clang-format --dry-run --Werror $(SOURCES)

demo: all
	scripts/demo

clean:
	rm -rf build build-test build-fuzz
