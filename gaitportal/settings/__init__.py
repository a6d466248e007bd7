"""Settings split by environment: base (shared), local (first run, default), test, production."""
