"""Helpers the test layers share: plain functions, classes and constants, imported by name.

Fixtures stay in the ``conftest.py`` files; a test module imports from here, never from another
test module (so moving or deleting a test never breaks another).
"""
