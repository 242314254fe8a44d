# cls_adamw_10e.py (AdamW, 1-epoch warm-up, cosine decay, clipping) over 30 epochs: CNN teachers.
_base_ = ['./cls_adamw_10e.py']
max_epochs = 30
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [_base_.param_scheduler[0], dict(_base_.param_scheduler[1], end=max_epochs, T_max=max_epochs)]
