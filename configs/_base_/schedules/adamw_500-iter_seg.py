# adamw_20e_seg counted in iterations: semi-supervised runs and their
# supervised-only baselines see the same number of labeled batches whatever
# the sizes of the partitions. Pair with iter_runtime.py.
_base_ = ['./adamw_20e_seg.py']
max_iters = 500
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, by_epoch=False, begin=0, end=max_iters),
]
