"""Tests that run the notebooks in JupyterLab in a real Chromium (see conftest.py)."""
