"""Jiguan's example plug-in (插件示例): a seal register (印章登记) in its own distribution.

Declared by the entry point ``jiguan.plugins: example`` of its pyproject.toml; docs/development/plugins.md.
"""
