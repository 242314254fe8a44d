# Runtime of the classification configs: the shared one, with a checkpoint every
# 5 epochs (only the last kept: teachers are read from the final epoch) and a log
# line every 25 iterations.
_base_ = ['./default_runtime.py']
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=1), logger=dict(interval=25))
