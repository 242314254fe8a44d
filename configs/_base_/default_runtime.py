# Runtime shared by every config: mmengine hooks, logging, environment.
default_scope = 'mmkd'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # atomic writes, old checkpoints deleted only after the new one is saved: a crash at any
    # moment leaves a whole checkpoint that last_checkpoint names
    checkpoint=dict(type='mmkd.CrashSafeCheckpointHook', interval=1, max_keep_ckpts=2,
                    backend_args=dict(backend='mmkd_atomic_local')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # a NaN/Inf loss term stops training at its step, naming the term and the iteration
    # (action='skip' drops such steps and counts them instead); no checkpoint with NaN weights is written
    non_finite_loss=dict(type='mmkd.NonFiniteLossHook', action='stop'),
    # random streams saved with each checkpoint: --resume continues bit for bit
    rng_state=dict(type='mmkd.RNGStateHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
