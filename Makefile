# The common verbs. `make demo` and `make test` do all the set-up on a fresh
# Debian 12 machine: they install what is missing, build, and run.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
MAKEFLAGS += --no-print-directory
CMAKE_FLAGS ?=

.PHONY: all deps configure build test demo bench crash failover soak fuzz sanitize format format-check clean

all: build

deps:
	@bash scripts/install-deps.sh
	@bash scripts/install-web.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD_DIR)/deconflict

bench: build
	@bash scripts/install-deps.sh --bench
	@cmake -S . -B $(BUILD_DIR) -DDECONFLICT_BENCH=ON > /dev/null
	@cmake --build $(BUILD_DIR) -j$(JOBS) --target deconflict-bench-lists
	@$(BUILD_DIR)/bench/deconflict-bench-lists --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	@bash bench/run.sh $(BUILD_DIR)
	@bash bench/open.sh $(BUILD_DIR) 3
	@bash bench/postgis.sh $(BUILD_DIR) all 3
	@bash bench/cold_checks.sh $(BUILD_DIR) 3
	@bash bench/http.sh $(BUILD_DIR)
	@bash bench/nodes.sh $(BUILD_DIR)

# The crash-safety test for longer: SIGKILL at random moments, CRASH_ITERATIONS
# rounds, on SQLite and then on PostgreSQL.
crash: build
	@CRASH_ITERATIONS=$${CRASH_ITERATIONS:-200} $(BUILD_DIR)/tests/crash_tests
	@CRASH_ITERATIONS=$${CRASH_ITERATIONS:-200} DECONFLICT_TEST_STORE=postgres $(BUILD_DIR)/tests/crash_tests

# The failover and partition tests for longer, on a real Patroni cluster
# (tests/failover_test.cpp): FAILOVER_ROUNDS deaths of the primary, and as many
# cuts of a node's link to the database, and as many kills of PostgreSQL under
# a node's load. `make test` runs one round of each (three kills).
failover: build
	@FAILOVER_ROUNDS=$${FAILOVER_ROUNDS:-10} $(BUILD_DIR)/tests/failover_tests
	@FAILOVER_ROUNDS=$${FAILOVER_ROUNDS:-10} $(BUILD_DIR)/tests/nodes_tests --gtest_filter='*KilledUnderLoad*'

# The soak: sustained load for SOAK_ROUNDS rounds of 60 s (bench/soak.sh).
soak: build
	@bash scripts/install-deps.sh --bench
	@bash bench/soak.sh $(BUILD_DIR) $${SOAK_ROUNDS:-10} 60

# The libFuzzer targets (fuzz/), built with clang in build-fuzz and run for
# FUZZ_SECONDS each on their corpora after their regression inputs.
FUZZ_SECONDS ?= 20
fuzz: deps
	@bash scripts/install-deps.sh --fuzz
	@CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDECONFLICT_FUZZ=ON \
	  -DBUILD_TESTING=OFF > /dev/null
	@cmake --build build-fuzz -j$(JOBS) --target fuzz_targets
	@bash fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

sanitize:
	@$(MAKE) test BUILD_DIR=build-asan BUILD_TYPE=Debug CMAKE_FLAGS="-DDECONFLICT_SANITIZE=ON"

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

# Fails on any file that .clang-format would change (CI runs it).
format-check:
	@bash scripts/install-deps.sh --format
	@clang-format --dry-run -Werror $$(git ls-files '*.cpp' '*.hpp')

clean:
	@rm -rf $(BUILD_DIR) build-asan build-fuzz
