"""First run and development: SQLite, ORM broker, debug pages."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
