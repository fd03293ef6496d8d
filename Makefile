# Two commands do everything on a fresh machine:
#   make course   execute every notebook on the embedded model and build the course site
#                 into build/ (open build/index.html)
#   make test     unit tests + every notebook under nbval in fast mode on two networks,
#                 then the site built from that very run, then the browser tests
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# What every target needs first; INSTALL= uses an environment prepared another way.
INSTALL ?= $(STAMP)
# torch first, pinned to the release this course is tested with (CPU use; CUDA build ok).
TORCH_PINS ?= torch==2.14.1 torchvision==0.29.1
COURSE_MODEL ?= efficientnet_lite0
SECOND_MODEL ?= efficientnet_lite2
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))
BUILD ?= build
EXECUTED := $(BUILD)/executed
CHROMIUM ?= /usr/bin/chromium
NBVAL := --nbval-lax --nbval-current-env -p no:randomly
# Notebook kernels draw figures inline (embedded PNGs). A MPLBACKEND from the shell
# (Agg draws nothing) must never reach them, and warnings are not hidden wholesale.
unexport MPLBACKEND
unexport PYTHONWARNINGS

.PHONY: install execute course course-fast site student test chromium benchmark benchmark-quick strip clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing the course (a few minutes the first time)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check $(TORCH_PINS)
	$(PY) -m pip install -q --disable-pip-version-check -e ".[dev]"
	@touch $@

# Execute every notebook afresh (site/execute.py: one kernel each, figures inline) into
# build/executed; `course` then renders the posters and builds the site from them.
execute: $(INSTALL)
	@rm -rf $(EXECUTED)
	COURSE_MODEL=$(COURSE_MODEL) $(PY) site/execute.py --out $(EXECUTED) $(NOTEBOOKS)

course: execute
	COURSE_MODEL=$(COURSE_MODEL) $(PY) site/build.py --executed $(EXECUTED) --out $(BUILD)
	$(PY) -m course_utils.tools.notebook_tools student $(BUILD)/student $(NOTEBOOKS)

course-fast: export COURSE_FAST := 1
course-fast: course

# The site from whatever build/executed holds (make course or make test fills it).
site: $(INSTALL)
	COURSE_MODEL=$(COURSE_MODEL) $(PY) site/build.py --executed $(EXECUTED) --out $(BUILD)

# Student versions (nbgrader clears the solutions) of every notebook, into build/student.
student: $(INSTALL)
	$(PY) -m course_utils.tools.notebook_tools student $(BUILD)/student $(NOTEBOOKS)

# 1. unit tests + notebooks on the default model (tests/runs/ also runs each notebook
#    twice, on InceptionV1's code path and as its student version); nbval keeps the executed notebooks,
#    which feed the site (no second execution); 2. notebooks on the second model;
# 3. the site; 4. checks on the built site and the real-browser tests.
test: export COURSE_FAST := 1
test: export OMP_NUM_THREADS := 1
test: $(INSTALL) chromium
	@rm -rf $(EXECUTED)
	@echo "==> [1/4] unit tests + notebooks on $(COURSE_MODEL)"
	COURSE_MODEL=$(COURSE_MODEL) PYTHONPATH=site$${PYTHONPATH:+:$$PYTHONPATH} \
	  $(PY) -m pytest tests notebooks $(NBVAL) -n 2 --dist loadfile -q \
	  -p nbval_save --save-executed $(EXECUTED)
	@echo "==> [2/4] notebooks on $(SECOND_MODEL)"
	COURSE_MODEL=$(SECOND_MODEL) $(PY) -m pytest notebooks $(NBVAL) -n 2 --dist loadfile -q
	@echo "==> [3/4] the site, from the notebooks run in step 1"
	COURSE_MODEL=$(COURSE_MODEL) $(PY) site/build.py --executed $(EXECUTED) --out $(BUILD)
	@echo "==> [4/4] the built site and the browser tests"
	COURSE_MODEL=$(COURSE_MODEL) $(PY) -m pytest tests/site -q -p no:randomly \
	  --site-dir $(BUILD) --chromium $(CHROMIUM)

# The browser tests drive Debian's Chromium (Playwright's own download is not used).
chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "==> installing Chromium for the browser tests (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	    >/dev/null && test -x "$(CHROMIUM)"; \
	else \
	  echo "error: the browser tests need Chromium at $(CHROMIUM). Install it (Debian:" \
	    "sudo apt-get install chromium) or pass CHROMIUM=/path/to/chromium." >&2; exit 1; \
	fi

benchmark: $(INSTALL)
	$(PY) benchmarks/run.py

benchmark-quick: $(INSTALL)
	$(PY) benchmarks/run.py --quick

strip:
	$(PY) -m course_utils.tools.notebook_tools strip notebooks/*.ipynb

clean:
	rm -rf build
