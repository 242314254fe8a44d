"""mmkd: knowledge distillation for dense prediction and multimodal vision.

Importing the package registers its modules in the ``mmkd`` registries and
allow-lists the objects mmengine pickles into checkpoints, so ``--resume``
works under torch's ``weights_only=True`` default.
"""
__version__ = '0.1.0'

from .utils.checkpoint import allow_mmengine_globals

allow_mmengine_globals()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
