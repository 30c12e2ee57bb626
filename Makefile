# Thin aliases over the `grader` command and the test suite. Every target sets up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= reports
SUB ?=
FILE ?=
JOBS ?=
SANDBOX ?= auto
# The exercise folder (default: [tool.grader] assignment in pyproject.toml).
ASSIGNMENT ?=
# nbgrader runs `alembic` as a subprocess: the venv's bin must be on PATH.
export PATH := $(abspath $(BIN)):$(PATH)
# $(call q,VALUE): VALUE as one shell word, single-quoted (paths with spaces or quotes work).
q = '$(subst ','\'',$(1))'

.PHONY: help install grade check test bench release gradescope report lint type ci clean

help:
	@echo "make grade [SUB=folder] [ASSIGNMENT=exercises/NAME] [OUT=reports] [JOBS=n] [SANDBOX=...]"
	@echo "make check FILE=my_convolution.py   run the public tests on one file"
	@echo "make test                            run the whole test suite"
	@echo "make bench [N=1000]                  throughput against the floor and nbgrader"
	@echo "make release [COURSE=assignments]    check the solutions, release notebook + bundle"
	@echo "make gradescope                      build build/autograder.zip for Gradescope"
	@echo "make report [CHANGES=1]              rebuild reports from the store / list changes"
	@echo "make lint | make type | make ci      ruff, mypy, everything"

$(BIN)/grader: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,nbgrader]'
	@touch $@

install: $(BIN)/grader

grade: install
	$(BIN)/grader grade $(if $(SUB),$(call q,$(SUB))) --out $(call q,$(OUT)) \
		--sandbox $(call q,$(SANDBOX)) $(if $(JOBS),--jobs $(call q,$(JOBS))) \
		$(if $(ASSIGNMENT),--assignment $(call q,$(ASSIGNMENT))) \
		$(if $(SCHEDULER),--scheduler $(call q,$(SCHEDULER))) $(if $(REGRADE),--regrade)

check: install
	@test -n $(call q,$(FILE)) || (echo "usage: make check FILE=path/to/convolution.py" && exit 2)
	$(BIN)/grader check $(call q,$(FILE)) --sandbox $(call q,$(SANDBOX)) \
		$(if $(ASSIGNMENT),--assignment $(call q,$(ASSIGNMENT)))

test: install
	$(BIN)/python -m pytest

release: install
	$(BIN)/grader release --sandbox $(call q,$(SANDBOX)) $(if $(COURSE),--course-dir $(call q,$(COURSE)))

gradescope: install
	$(BIN)/grader gradescope --out build

report: install
	$(BIN)/grader report --out $(call q,$(OUT)) $(if $(CHANGES),--changes)

bench: install
	$(BIN)/python bench/run.py --n $(if $(N),$(N),1000) $(if $(JOBS),--jobs $(JOBS))

lint: install
	$(BIN)/ruff check grader exercises tests
	$(BIN)/ruff format --check grader exercises tests

type: install
	$(BIN)/mypy

ci: lint type test

clean:
	rm -rf $(call q,$(VENV)) $(call q,$(OUT)) .pytest_cache .mypy_cache .ruff_cache .hypothesis build *.egg-info
