# default_runtime.py for iteration-based training loops: log every 50 iterations
# (metrics by iteration), keep one checkpoint, written every `checkpoint_interval`
# iterations and at the last one.
_base_ = ['./default_runtime.py']
checkpoint_interval = 500
default_hooks = dict(logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
                     checkpoint=dict(type='mmkd.CrashSafeCheckpointHook', by_epoch=False,
                                     interval=checkpoint_interval, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
