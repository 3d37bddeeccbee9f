# Two commands do all setup on a fresh machine: `make demo` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PIP     := $(PY) -m pip
# Where pip finds the CPU build of torch. Empty: pip's own configuration (our machines keep the CPU wheel on disk);
# elsewhere PyPI's torch is the CUDA build, so `make demo TORCH_INDEX=https://download.pytorch.org/whl/cpu`.
TORCH_INDEX ?=

.PHONY: venv demo test test-fast lint bench clean system-deps

$(VENV)/bin/python:
	python3 -m venv $(VENV)

# Reinstall only when the dependency declaration changes (the torch pin below included); a second run is a no-op.
$(STAMP): pyproject.toml constraints-dev.txt Makefile | $(VENV)/bin/python
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints-dev.txt $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)) "torch==2.13.0"
	$(PIP) install -q -c constraints-dev.txt -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# Debian packages used by tests (headless Chromium for the Space end-to-end test).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "warning: could not install chromium; browser tests will skip"; \
	  else echo "note: chromium not installed (need root); browser tests will skip"; fi; }

# glibc hands every block over its mmap threshold (at most 32 MiB) back to the kernel when it is freed, and a CPU
# training step allocates and frees hundreds of MiB of activations: every step faulted its memory in again, page by
# page (a quarter of the demo's CPU time went to the kernel). Keeping freed blocks in the heap computes the same bits
# (benchmarks/README.md, "Memory the demo gives back"); other C libraries ignore the variable. A user's own
# GLIBC_TUNABLES is kept, ours after it.
MALLOC_TUNABLES := glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1099511627776

demo: $(STAMP)
	GLIBC_TUNABLES=$${GLIBC_TUNABLES:+$$GLIBC_TUNABLES:}$(MALLOC_TUNABLES) $(VENV)/bin/bgs-hf quickstart --out runs/demo

test: $(STAMP) system-deps
	$(VENV)/bin/python -m pytest -q

test-fast: $(STAMP)
	$(VENV)/bin/python -m pytest -q -m "not slow and not browser"

lint: $(STAMP)
	$(VENV)/bin/ruff check bgs_hf tests benchmarks spaces setup.py docs/experiments

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/bench_stats.py
	$(VENV)/bin/python benchmarks/bench_io.py --repeats 5  # the committed figures' repeats
	$(VENV)/bin/python benchmarks/bench_training.py --backbone bgs-tiny-conv3d  # the committed figures' backbone
	$(VENV)/bin/python benchmarks/bench_flops.py

clean:
	rm -rf $(VENV) runs .pytest_cache
