from .base_recorder import BaseRecorder
from .method_outputs import MethodOutputs
from .module_outputs import ModuleInputs, ModuleOutputs
from .module_path import find_module
from .recorder_manager import RecorderManager

__all__ = ['BaseRecorder', 'ModuleOutputs', 'ModuleInputs', 'MethodOutputs',
           'RecorderManager', 'find_module']
