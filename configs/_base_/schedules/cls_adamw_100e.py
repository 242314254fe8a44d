# cls_adamw_10e.py (AdamW, 1-epoch warm-up, cosine decay, clipping) over 100 epochs:
# transformer / MLP teachers, which learn slowly from scratch.
_base_ = ['./cls_adamw_10e.py']
max_epochs = 100
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [_base_.param_scheduler[0], dict(_base_.param_scheduler[1], end=max_epochs, T_max=max_epochs)]
