# default_runtime.py for iteration-based training loops: log and checkpoint
# by iteration (the last iteration is always saved, save_last).
_base_ = ['./default_runtime.py']
default_hooks = dict(logger=dict(interval=50, log_metric_by_epoch=False),
                     checkpoint=dict(by_epoch=False, interval=1000))
log_processor = dict(by_epoch=False)
