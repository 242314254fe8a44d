"""``torch.compile`` for a frozen teacher, module by module.

The teacher is compiled per top-level module (``backbone``, ``neck``...)
with :meth:`torch.nn.Module.compile`, not as a whole: a detector's or
segmentor's own ``forward`` handles data samples and Python control flow
that would break the graph, while its backbone and neck are plain tensor
code. ``Module.compile`` compiles in place, so parameter names, the state
dict and the recorders' hooks stay as they are. Modules the teacher's
partial forward skips are not compiled (they never run), nor the teacher's
own data preprocessor (the algorithm's preprocessor runs instead).

On CPU, torch's default backend (inductor) generates C++ and needs a C
compiler; without one the teacher stays eager, with a warning.
"""
from __future__ import annotations

import os
import shutil
from typing import Iterable, List, Optional

from mmengine.logging import MMLogger
from torch import nn


def c_compiler() -> Optional[str]:
    """Path of the C compiler inductor would use on CPU, if any."""
    for name in filter(None, (os.environ.get('CXX'), os.environ.get('CC'), 'g++', 'c++', 'clang++', 'gcc', 'cc')):
        path = shutil.which(name)
        if path:
            return path
    return None


def compile_teacher(teacher: nn.Module, model_name: str, device_type: str, options: dict,
                    skip: Iterable[str] = ()) -> List[str]:
    """Compile ``teacher``'s top-level modules in place, except ``skip``; return their names."""
    if device_type == 'cpu' and options.get('backend', 'inductor') == 'inductor' and c_compiler() is None:
        MMLogger.get_current_instance().warning(
            f'{model_name}: teacher_compile asked for, but no C compiler was found (torch.compile\'s '
            'inductor backend needs one on CPU): the teacher runs eagerly')
        return []
    skip = set(skip) | {'data_preprocessor'}
    names = [name for name, _ in teacher.named_children() if name not in skip]
    for name in names:
        getattr(teacher, name).compile(**options)
    MMLogger.get_current_instance().info(
        f'{model_name}: torch.compile({options or ""}) on {", ".join(names) or "no module"} '
        '(compiled at its next forward)')
    return names
