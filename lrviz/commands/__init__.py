"""One module per command; :mod:`lrviz.cli` registers them. None imports torch at import time."""
