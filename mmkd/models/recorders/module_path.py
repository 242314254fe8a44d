"""Look up a submodule by dotted path, with a helpful error for typos."""
from __future__ import annotations

import difflib

from torch import nn


def find_module(model: nn.Module, path: str, model_name: str = 'model') -> nn.Module:
    """Return ``model.get_submodule(path)``.

    A wrong path raises a ``KeyError`` that lists the closest valid paths, so a
    typo in a config is fixed in one look instead of by reading the model.
    """
    modules = dict(model.named_modules())
    if path in modules:
        return modules[path]
    valid = [name for name in modules if name]
    close = difflib.get_close_matches(path, valid, n=5, cutoff=0.4)
    if not close:  # fall back to the siblings of the deepest existing parent
        parent = path.rsplit('.', 1)[0] if '.' in path else ''
        while parent and parent not in modules:
            parent = parent.rsplit('.', 1)[0] if '.' in parent else ''
        prefix = f'{parent}.' if parent else ''
        close = [n for n in valid if n.startswith(prefix) and n.count('.') == prefix.count('.')][:10]
    raise KeyError(
        f'module path {path!r} does not exist in the {model_name} ({type(model).__name__}). '
        f'Closest valid paths: {close}')
