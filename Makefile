# Two commands do all the set-up on a fresh Debian 12 machine (as root):
#   make demo   install dependencies, build, run the default experiment
#   make test   install dependencies, build, run every test tier
# Where the user is not root, make re-runs itself through sudo.

BUILD ?= build
JOBS ?= $(shell nproc)
CTEST_ARGS ?=
BUILD_TYPE ?= RelWithDebInfo
# Warnings are errors for the project's own people (CI, `make dev`), never in
# a user's build: a compiler newer or older than ours must not stop it.
WERROR ?= OFF

ifneq ($(shell id -u),0)
.DEFAULT_GOAL := rerun
%:
	sudo -E $(MAKE) $@
rerun:
	sudo -E $(MAKE)
else

.PHONY: all deps configure build dev test test-unit test-integration test-vm demo bench clean

all: build

deps:
	bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DFAULTLINE_WERROR=$(WERROR) \
	  $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# A developer's build: warnings are errors.
dev:
	$(MAKE) build WERROR=ON

# Every tier: unit (no root), integration (root, namespaces), scenario; then
# the VM kernel tier (tests/vm) when qemu is installed.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300 $(CTEST_ARGS)
	@if command -v qemu-system-x86_64 >/dev/null; then bash tests/vm/run.sh $(BUILD); \
	else echo "test-vm: skipped: qemu-system-x86_64 not installed"; fi

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

test-integration: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L integration

# The privileged tests on Debian's stock kernel (sch_netem, pure cgroup v2) in
# qemu: tests/vm/run.sh downloads the kernel once into $(BUILD)/vm.
test-vm: build
	bash tests/vm/run.sh $(BUILD)

demo: build
	bash scripts/demo.sh $(BUILD)

bench: build
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)

endif
