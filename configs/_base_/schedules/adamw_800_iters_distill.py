# Short (800-iteration) schedule for feature distillation without evaluation
# (GKD stage 1 at embedded scale): AdamW lr 5e-4, weight decay 0.05 (GKD's
# stage-1 optimiser), 100 warm-up iterations, cosine decay to 1e-5.
max_iters = 800
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=False, begin=100, end=max_iters),
]
# iteration-based logging and checkpoints: set next to default_runtime.py (see iter_runtime.py)
