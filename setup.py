"""Build shim for ``scrapyd-deploy``: all packaging metadata lives in pyproject.toml.

scrapyd-client builds the egg it uploads with ``python setup.py bdist_egg`` and, when
no ``setup.py`` exists, writes one of its own into the checkout (named ``project``,
``find_packages()``, its own entry point) that conflicts with pyproject.toml's
``[project]`` table. This empty call makes setuptools read pyproject.toml, as
``pip install .`` does.
See docs/deploying.md.
"""

from setuptools import setup

setup()
