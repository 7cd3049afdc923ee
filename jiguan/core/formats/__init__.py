"""Local format overrides (settings.FORMAT_MODULE_PATH): only what Django's own locale gets wrong."""
