# SPDX-License-Identifier: Apache-2.0
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

.PHONY: all deps configure build dev test test-unit test-integration test-vm demo bench clean \
        test-asan test-tsan fuzz

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

# Sanitizer builds, each in a folder of its own (FAULTLINE_SANITIZE in
# CMakeLists.txt). Only the binaries the tiers run are built: no benchmarks,
# no scenario tests (they measure rates and latencies, which an instrumented
# build would distort).
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
SAN_CMAKE = cmake -S . -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DFAULTLINE_WERROR=$(WERROR) \
	  $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,)
ASAN_TARGETS = faultline fl_unit_tests fl_integration_tests fl_engine_unit_tests fl_engine_integration_tests \
	  fl_kernel_unit_tests fl_kernel_tests fl_workload_unit_tests fl_workload_integration_tests
TSAN_TARGETS = faultline-linkd fl_engine_unit_tests fl_engine_integration_tests fl_workload_unit_tests

# ASan+UBSan: the unit and integration tiers. scripts/sanitized-ctest.sh
# sets the sanitizers' options and fails on a report of any process.
test-asan: deps
	$(SAN_CMAKE) -B $(ASAN_BUILD) -DFAULTLINE_SANITIZE="address;undefined"
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target $(ASAN_TARGETS)
	bash scripts/sanitized-ctest.sh $(ASAN_BUILD) -j $(JOBS) --timeout 300 -L 'unit|integration' $(CTEST_ARGS)

# TSan: the link engine's tests (unit and integration, the engine binary
# instrumented too) and the workloads' unit tests.
test-tsan: deps
	$(SAN_CMAKE) -B $(TSAN_BUILD) -DFAULTLINE_SANITIZE=thread
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(TSAN_TARGETS)
	bash scripts/sanitized-ctest.sh $(TSAN_BUILD) -j $(JOBS) --timeout 300 -L engine $(CTEST_ARGS)
	bash scripts/sanitized-ctest.sh $(TSAN_BUILD) -j $(JOBS) --timeout 300 -L workloads -L unit $(CTEST_ARGS)

# libFuzzer targets (fuzz/README.md), with clang, in a folder of their own;
# each runs FUZZ_SECONDS (FUZZ_TARGETS picks some).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DFAULTLINE_WERROR=$(WERROR) -DFAULTLINE_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/run.sh $(FUZZ_BUILD)

demo: build
	bash scripts/demo.sh $(BUILD)

bench: build
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)

endif
