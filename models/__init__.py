"""The models that ship with dialogcls, installed as the package ``dialogcls.models``.

``models/default/`` (``meta.json``, ``weights.npz``, ``README.md``) stays at the top of the
repository and is built into the wheel as package data (see ``package-dir`` in ``pyproject.toml``);
:func:`dialogcls.api.default_model_path` finds it with :mod:`importlib.resources`. A model folder
holds data only (JSON and numeric arrays), no code and no pickles.
"""
