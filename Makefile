# Two commands do everything on a fresh machine:
#   make course   execute every notebook on the embedded model into build/ (HTML + posters)
#   make test     unit tests + every notebook under nbval in fast mode
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# torch first, pinned to the release this course is tested with (CPU use; CUDA build ok).
TORCH_PINS ?= torch==2.14.1 torchvision==0.29.1
COURSE_MODEL ?= efficientnet_lite0
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))
export MPLBACKEND := Agg
export PYTHONWARNINGS := ignore

.PHONY: install course course-fast test test-fast benchmark benchmark-quick strip clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@echo "==> creating $(VENV) and installing the course (a few minutes the first time)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check $(TORCH_PINS)
	$(PY) -m pip install -q --disable-pip-version-check -e ".[dev]"
	@touch $@

course: install
	@mkdir -p build
	@n=0; total=$(words $(NOTEBOOKS)); for nb in $(NOTEBOOKS); do n=$$((n+1)); \
	  echo "==> [$$n/$$total] executing $$nb"; start=$$(date +%s); \
	  COURSE_MODEL=$(COURSE_MODEL) $(VENV)/bin/jupyter nbconvert --to html --execute \
	    --ExecutePreprocessor.timeout=-1 --output-dir build "$$nb" --log-level WARN || exit 1; \
	  echo "    done in $$(( $$(date +%s) - start )) s"; done
	@echo "==> rendering posters into build/"
	COURSE_MODEL=$(COURSE_MODEL) $(PY) -m course_utils poster --model $(COURSE_MODEL) \
	  --layers early,mid,late --channels 0,5,9 --out build/poster_stages.png --json
	COURSE_MODEL=$(COURSE_MODEL) $(PY) -m course_utils gallery --model $(COURSE_MODEL) \
	  --layer mid --channels 0-9 --out build/gallery_mid.png --json
	@echo "==> the course is in build/ (open build/*.html)"

course-fast:
	$(MAKE) course COURSE_FAST=1

test: install
	COURSE_FAST=1 COURSE_MODEL=$(COURSE_MODEL) OMP_NUM_THREADS=1 $(PY) -m pytest tests notebooks \
	  --nbval-lax --nbval-current-env -n 2 --dist loadfile -q -p no:randomly

benchmark: install
	$(PY) benchmarks/run.py

benchmark-quick: install
	$(PY) benchmarks/run.py --quick

strip:
	$(PY) -m course_utils.notebook_tools strip notebooks/*.ipynb

clean:
	rm -rf build
