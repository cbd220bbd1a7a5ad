# mcpjail — build, test, install.
PREFIX  ?= /usr/local
DESTDIR ?=
CARGO   ?= cargo
# The release binary is linked statically (glibc crt-static) and not position-independent: a
# launch then maps one file and applies no relocations, which is most of what a wrapper costs
# (docs/BENCHMARKS.md has the numbers and why a fixed image address is acceptable here).
# crt-static needs an explicit --target, so that build scripts and proc macros stay dynamic.
TARGET  ?= $(shell rustc -vV | sed -n 's/^host: //p')
BIN     := target/$(TARGET)/release/mcpjail
# Where rustc links with lld (x86_64 Linux, Rust 1.90 and later), the functions a launch runs
# are placed side by side (build/hot-functions.txt, made by scripts/hot-functions.sh): a launch
# then faults in a few 64 KiB windows of code instead of two dozen. Names the linker does not
# find (a stale list) are ignored; elsewhere the default layout is kept. `make build ORDER=`
# turns it off (a linker other than lld rejects the option).
LLD     := $(shell rustc -vV | awk '/^release:/ { split($$2, v, "."); print (v[1] > 1 || v[2] >= 90) }')
ifeq ($(TARGET)$(LLD),x86_64-unknown-linux-gnu1)
ORDER   ?= -C link-arg=-Wl,--symbol-ordering-file=$(CURDIR)/build/hot-functions.txt -C link-arg=-Wl,--no-warn-symbol-ordering
endif

BINDIR   := $(DESTDIR)$(PREFIX)/bin
MANDIR   := $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR  := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR   := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR  := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

.PHONY: all build test peers demo install uninstall generate bench hot-functions clean

all: build

build:
	RUSTFLAGS="$(RUSTFLAGS) -C target-feature=+crt-static -C relocation-model=static $(ORDER)" $(CARGO) build --release --locked --target $(TARGET)

# Installs the real test peers (MCP SDK client, mcp-server-git, server-filesystem, docker test
# images), then runs every test: unit, integration, escape attempts, docker.
test: peers
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --locked --no-fail-fast; \
	else \
		$(CARGO) test --locked --no-fail-fast; \
	fi

peers:
	tests/peers/dockerd.sh
	tests/peers/setup.sh

# Builds mcpjail and runs a real MCP server through it, showing what was enforced.
demo: build
	tests/peers/setup.sh
	scripts/demo.sh $(BIN)

# Launch cost side by side with the floor, the landlock example sandboxer, bwrap, firejail and
# docker; prints the tables (also written to target/bench/results.md, and results-user.md for
# the run as an unprivileged user). See docs/BENCHMARKS.md.
bench: build
	tests/peers/dockerd.sh
	tests/peers/setup.sh
	benches/build-peers.sh
	benches/launch.py --mcpjail $(BIN)
	@# the launch table again as an unprivileged user (no capabilities to drop)
	if [ "$$(id -u)" = 0 ]; then benches/launch.py --mcpjail $(BIN) --as-user nobody; fi

# Regenerates build/hot-functions.txt from the current code (needs valgrind and perf), then
# relinks with it (cargo does not see the list as an input, hence the touch).
hot-functions: build
	scripts/hot-functions.sh $(BIN)
	touch src/main.rs
	$(MAKE) build

generate:
	$(CARGO) run --quiet -- --generate man  > man/mcpjail.1
	$(CARGO) run --quiet -- --generate bash > completions/mcpjail.bash
	$(CARGO) run --quiet -- --generate zsh  > completions/_mcpjail
	$(CARGO) run --quiet -- --generate fish > completions/mcpjail.fish

install: build
	install -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	install -m 755 $(BIN) $(BINDIR)/mcpjail
	install -m 644 man/mcpjail.1 $(MANDIR)/mcpjail.1
	install -m 644 completions/mcpjail.bash $(BASHDIR)/mcpjail
	install -m 644 completions/_mcpjail $(ZSHDIR)/_mcpjail
	install -m 644 completions/mcpjail.fish $(FISHDIR)/mcpjail.fish

uninstall:
	rm -f $(BINDIR)/mcpjail $(MANDIR)/mcpjail.1 $(BASHDIR)/mcpjail $(ZSHDIR)/_mcpjail $(FISHDIR)/mcpjail.fish

clean:
	$(CARGO) clean
