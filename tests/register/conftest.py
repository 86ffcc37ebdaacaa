"""The register tests' shared fixtures: a prepared draft (`prepare`), a submitted application,
an administrator's client with a second factor, and `commit` for on-commit callbacks. They
live in test_register.py, where they grew; here they reach the other modules of the folder."""

from tests.register.test_register import (  # noqa: F401
    admin_web,
    commit,
    prepare,
    submitted,
)
