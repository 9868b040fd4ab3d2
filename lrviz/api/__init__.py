"""The Python API: what ``import lrviz`` offers (``lrviz.simulate``, ``lrviz.plot``, ...).

* :mod:`~lrviz.api.source`: a source (path, mapping, Config, scheduler factory) -> a config;
* :mod:`~lrviz.api.functions`: ``simulate``, ``plot``, ``check``, ``export``;
* :mod:`~lrviz.api.display`: how a result and a figure show themselves in Jupyter.

The names are loaded by ``lrviz/__init__.py`` on first use; import them from ``lrviz``.
"""
