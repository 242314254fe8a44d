# Short (800-iteration) segmentation schedule with one evaluation at the end
# (GKD stage 2 at embedded scale): AdamW lr 1e-3, weight decay 0.05, 50
# warm-up iterations, poly decay (power 0.9), as GKD's task learning uses
# AdamW + PolyLR.
max_iters = 800
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, by_epoch=False, begin=50, end=max_iters),
]
# iteration-based logging and checkpoints: set next to default_runtime.py (see iter_runtime.py)
