# adam_8e.py for 24 epochs: the schedule of the small SAM teachers (a teacher must
# be trained longer than its 8-epoch students to have something to teach).
_base_ = ['./adam_8e.py']
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, T_max=max_epochs,
         eta_min_ratio=0.01, convert_to_iter_based=True),
]
