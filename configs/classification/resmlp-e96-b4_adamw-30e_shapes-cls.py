# The student alone on 30 epochs instead of 10 (same warm-up, cosine decay to the new end):
# token students from scratch are still far from converged after 10 epochs.
_base_ = ['./resmlp-e96-b4_adamw-10e_shapes-cls.py']
train_cfg = dict(max_epochs=30, val_interval=30)
param_scheduler = [_base_.param_scheduler[0], dict(_base_.param_scheduler[1], end=30, T_max=30)]
