"""``--cfg-options KEY=VALUE ...`` of the tools, with a usage error that names the bad item.

mmengine's ``DictAction`` fails on a user's typo with Python internals
(``ValueError: not enough values to unpack`` for ``max_epochs 2``,
``AssertionError: Imbalanced brackets`` for ``a=[1,2``, a ``RecursionError``
for ``a=dict(b=1)``); this subclass turns
them into argparse's own error (usage line, exit status 2) naming the item.
"""
from __future__ import annotations

import argparse

from mmengine.config import DictAction


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` whose syntax errors name the item and the expected form."""

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values:
            key, sep, value = item.partition('=')
            if not sep or not key.strip():
                raise argparse.ArgumentError(self, f'{item!r} is not KEY=VALUE (e.g. train_cfg.max_epochs=2)')
            if value.count('[') != value.count(']') or value.count('(') != value.count(')'):
                raise argparse.ArgumentError(self, f'{item!r}: brackets of the value do not balance')
            try:
                self._parse_iterable(value)
                parsed = not value.replace(' ', '').startswith(('dict(', '{'))  # kept as a string otherwise
            except (AssertionError, RecursionError, ValueError):  # e.g. dict(a=1,b=2) recurses forever
                parsed = False
            if not parsed:
                raise argparse.ArgumentError(
                    self, f'{item!r}: the value cannot be parsed; --cfg-options takes numbers, strings, lists '
                    '[a,b] and tuples (a,b), not dict(...): set the keys one by one (a.b=1 a.c=2)')
        super().__call__(parser, namespace, values, option_string)
