# The 10-epoch config over 30 epochs (same warm-up, cosine decay to the new end), the
# schedule on which the token student alone converges.
_base_ = ['./ofa-kd_branches_resnet18_resmlp-e96-b4_adamw-10e_shapes-cls.py']
train_cfg = dict(max_epochs=30, val_interval=30)
param_scheduler = [_base_.param_scheduler[0], dict(_base_.param_scheduler[1], end=30, T_max=30)]
