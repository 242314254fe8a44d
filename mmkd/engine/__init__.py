from .clip_export_hook import ExportCLIPHook
from .cpu_autocast_optim_wrapper import CPUAutocastOptimWrapper
from .crash_safe_checkpoint_hook import CrashSafeCheckpointHook
from .distill_loops import DistillTestLoop, DistillValLoop
from .loss_weight_schedule_hook import DistillLossWeightScheduleHook, LossWeightSchedule
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .rng_state_hook import RNGStateHook
from .student_checkpoint_hook import StudentCheckpointHook, student_checkpoint
from .teacher_cache_hook import TeacherCacheHook

__all__ = ['ExportCLIPHook', 'CPUAutocastOptimWrapper', 'CrashSafeCheckpointHook', 'DistillValLoop', 'DistillTestLoop',
           'DistillLossWeightScheduleHook', 'LossWeightSchedule', 'NonFiniteLossError', 'NonFiniteLossHook',
           'RNGStateHook', 'StudentCheckpointHook',
           'student_checkpoint', 'TeacherCacheHook']
