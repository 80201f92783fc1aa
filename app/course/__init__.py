"""Course content as files: reading, validating and importing ``modules/``.

Plain Python with no Flask imports, so the CLI, the pages and the tests share one set of
rules.
"""
