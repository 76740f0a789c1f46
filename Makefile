# The two commands of the README are the contract:
#   make run   set up, build (Release), initialise ./var once, serve HTTPS
#   make test  set up, build, run every test (CTest)
# Other targets: build, bench, load, fuzz, format, clean.

BUILD_DIR ?= build
FUZZ_DIR  ?= build-fuzz
DATA_DIR  ?= var
JOBS      ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup configure build run test bench load fuzz format clean

all: build

setup:
	@scripts/setup

configure: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# `run` builds only the server binary; `test` builds everything.
run: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target alcove
	@if [ ! -d $(DATA_DIR) ]; then $(BUILD_DIR)/alcove init --data-dir $(DATA_DIR); fi
	@$(BUILD_DIR)/alcove serve --data-dir $(DATA_DIR)

test: build
	@scripts/test $(BUILD_DIR) $(FUZZ_DIR)

bench: build
	@$(BUILD_DIR)/bench/alcove_bench

load: build
	@bench/load.sh $(BUILD_DIR)

fuzz: setup
	@scripts/fuzz $(FUZZ_DIR) 60

format:
	@find src tests fuzz bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	@rm -rf $(BUILD_DIR) $(FUZZ_DIR)
