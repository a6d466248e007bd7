# One command to run the portal with demo data, one to run the tests. Both idempotent.
# PostgreSQL instead of SQLite: DATABASE_URL=postgres://user@host:5432/dbname make run|test

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
REQUIREMENTS := $(wildcard requirements/*.txt)
STAMP := $(VENV)/.installed-$(shell cat $(REQUIREMENTS) | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test lint browser migrate demo clean mmpose gait-model screenshots

install: $(STAMP)

$(STAMP): $(REQUIREMENTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

# gait_upgrade_model: institutions on an earlier shipped gait model move to the deployed one.
migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py gait_upgrade_model

demo: migrate
	$(BIN)/python manage.py seed_demo

# The web server and a django-q2 worker on http://$(HOST):$(PORT); Ctrl-C stops both.
run: demo
	HOST=$(HOST) PORT=$(PORT) PYTHON=$(BIN)/python bash deploy/run_local.sh

# Browser tests drive Debian's chromium (never a browser a tool downloads itself).
browser:
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# docs/screenshots/*.png of every page from the demo data (headless Debian chromium).
screenshots: demo browser
	$(BIN)/python manage.py screenshots --no-seed

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The optional MMPose backend: builds mmcv once into a wheel cache (about 23 minutes on 2 cores
# the first time), then installs the pinned OpenMMLab packages into the virtualenv.
MMCV_WHEEL_DIR ?= $(HOME)/.cache/gaitportal/wheels
mmpose: install
	MMCV_WHEEL_DIR=$(MMCV_WHEEL_DIR) PYTHON=$(BIN)/python bash deploy/build_mmpose_wheels.sh
	$(BIN)/python -m pip install --quiet --no-deps --find-links $(MMCV_WHEEL_DIR) \
		-r requirements/mmpose.txt

# The shipped default gait model, trained from scratch by one config (docs/MODEL_CARD.md):
# synthetic walkers only, <= 6 h on 2 CPU cores; on a CUDA GPU when torch sees one.
GAIT_MODEL_OUT ?= recognition/gait/models/default.pt
GAIT_CONFIG ?= recognition/gait/configs/default.toml
gait-model: install
	$(BIN)/python manage.py gait_train --config $(GAIT_CONFIG) --out $(GAIT_MODEL_OUT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
