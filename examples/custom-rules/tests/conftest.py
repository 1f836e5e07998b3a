"""ACME's rule tests run where serverless-guard is installed (pip install serverless-guard); in this
repository they import the checkout."""
import os
import sys

try:
    import policies  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", ".."))
